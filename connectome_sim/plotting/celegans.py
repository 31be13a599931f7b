"""C. elegans neuron classes and modalities from neuron names, for grouping plots.

The 302 hermaphrodite neurons come in ~118 classes named by dropping the left/right (L/R),
dorsal/ventral (D/V) and ventral-cord index suffixes: ``AVAL``/``AVAR`` -> ``AVA``,
``IL1DL`` -> ``IL1``, ``SMDVR`` -> ``SMD``, ``VA12`` -> ``VA``.  Modalities follow WormAtlas's
broad classes (sensory, interneuron, motor, pharyngeal); this is a plotting aid, not curation.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["CELEGANS_SENSORY_CLASSES", "CELEGANS_GABAERGIC_CLASSES", "celegans_cell_class",
           "celegans_neuron_table", "celegans_edge_signs"]

#: Sensory neuron classes of the hermaphrodite (WormAtlas; amphid, phasmid, labial, mechano-).
CELEGANS_SENSORY_CLASSES = frozenset(
    "ADE ADF ADL AFD ALM ALN AQR ASE ASG ASH ASI ASJ ASK AVM AWA AWB AWC BAG CEP FLP IL1 IL2 "
    "OLL OLQ PDE PHA PHB PHC PLM PLN PQR PVD PVM SDQ URB URX URY".split())

#: Motor neuron classes (ventral cord and head motor neurons).
CELEGANS_MOTOR_CLASSES = frozenset(
    "AS DA DB DD VA VB VC VD RMD RME RMF RMH SAB SIA SIB SMB SMD URA HSN".split())

#: Pharyngeal neuron classes.
CELEGANS_PHARYNGEAL_CLASSES = frozenset(
    "I1 I2 I3 I4 I5 I6 M1 M2 M3 M4 M5 MC MI NSM".split())

# single neurons whose name ends in L/R/D/V without being a side/position suffix
_SINGLETONS = frozenset("AVL PVR RIR PQR AQR DVA DVB DVC RID RIS AVG PVT RIH ALA PDA PDB".split())
_CORD = re.compile(r"^(AS|DA|DB|DD|VA|VB|VC|VD)\d+$")


def celegans_cell_class(name: str) -> str:
    """Class of a C. elegans neuron from its name (``'AVAL'`` -> ``'AVA'``).

    Parameters
    ----------
    name : str
        Neuron name as in Cook et al. 2019 / WormAtlas.

    Returns
    -------
    str
        Class name: L/R, then D/V suffixes and ventral-cord indices removed.
    """
    n = str(name).strip()
    m = _CORD.match(n)
    if m:
        return m.group(1)
    if n in _SINGLETONS:
        return n
    if len(n) >= 3 and n[-1] in "LR":
        n = n[:-1]
    if len(n) >= 4 and n[-1] in "DV":
        n = n[:-1]
    return n


def celegans_neuron_table(ids) -> pd.DataFrame:
    """Label table for C. elegans neuron IDs: class and modality.

    Parameters
    ----------
    ids : sequence of str
        Neuron names.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``neuron_id`` with columns ``cell_class`` and ``modality`` (``'sensory'``,
        ``'interneuron'``, ``'motor'``, ``'pharyngeal'``).  Usable as ``labels=`` in
        :func:`~connectome_sim.plotting.plot_raster` with ``group='cell_class'``.
    """
    ids = list(ids)
    cls = [celegans_cell_class(i) for i in ids]

    def modality(c):
        if c in CELEGANS_SENSORY_CLASSES:
            return "sensory"
        if c in CELEGANS_MOTOR_CLASSES:
            return "motor"
        if c in CELEGANS_PHARYNGEAL_CLASSES:
            return "pharyngeal"
        return "interneuron"

    return pd.DataFrame({"cell_class": cls, "modality": [modality(c) for c in cls]},
                        index=pd.Index(ids, name="neuron_id"))


#: GABAergic neuron classes of the hermaphrodite (McIntire et al. 1993; 26 neurons).
CELEGANS_GABAERGIC_CLASSES = frozenset("DD VD RME AVL DVB RIS".split())


def celegans_edge_signs(edges: pd.DataFrame, pre_col: str = "pre",
                        type_col: str = "type") -> pd.Series:
    """Sign (+1 excitatory, -1 inhibitory) of each C. elegans edge from its presynaptic neuron.

    Chemical synapses made by GABAergic neurons (:data:`CELEGANS_GABAERGIC_CLASSES`) are
    inhibitory; every other edge, and every electrical synapse, is +1.  A coarse rule (the
    connectome has no transmitter signs; cholinergic and glutamatergic synapses can be
    inhibitory through receptor type), meant for demos and tutorials.

    Parameters
    ----------
    edges : pandas.DataFrame
        Edge list with presynaptic neuron names (``pre_col``) and optionally ``type_col``.
    pre_col, type_col : str
        Column names.

    Returns
    -------
    pandas.Series
        +1 / -1 per edge (same index as ``edges``), usable as ``sign_col``.
    """
    gaba = edges[pre_col].map(lambda n: celegans_cell_class(n) in CELEGANS_GABAERGIC_CLASSES)
    if type_col in edges.columns:
        gaba &= edges[type_col].ne("electrical")
    return pd.Series(1, index=edges.index).where(~gaba, -1).rename("sign")
