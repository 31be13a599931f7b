"""C. elegans class names from neuron names."""

from connectome_sim.datasets import load_celegans
from connectome_sim.plotting import celegans_cell_class, celegans_neuron_table


def test_class_names():
    cases = {"AVAL": "AVA", "IL1DL": "IL1", "IL1L": "IL1", "SMDVR": "SMD", "VA12": "VA",
             "RMED": "RME", "RMEL": "RME", "CEPVL": "CEP", "PVR": "PVR", "AVL": "AVL",
             "PVDL": "PVD", "RIVL": "RIV", "DD1": "DD", "I2L": "I2", "SABVL": "SAB",
             "MCL": "MC", "DVA": "DVA", "PQR": "PQR", "ASEL": "ASE", "URADL": "URA"}
    for name, cls in cases.items():
        assert celegans_cell_class(name) == cls, name


def test_cook2019_has_118_classes():
    e = load_celegans()
    tab = celegans_neuron_table(sorted(set(e.pre) | set(e.post)))
    assert len(tab) == 302
    assert tab.cell_class.nunique() == 118  # the classic count (White et al. 1986)
    assert set(tab.modality) == {"sensory", "interneuron", "motor", "pharyngeal"}
