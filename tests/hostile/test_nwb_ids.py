"""Neuron IDs through NWB: what cannot be an ID is refused before anything is written (it was
written as the strings '1.5' or 'True'); 64-bit IDs, including uint64 above 2**63, come back
exactly."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import IDError
from connectome_sim.io.nwb import write_nwb

from hostile_files import BIG, FW

BAD_IDS = [
    ("float_fraction", [1.5, 2.0], r"spikes\['neuron_id'\]: 1 value\(s\) are not whole numbers "
                                   r"\(e\.g\. 1\.5\)"),
    ("bools", [True, False], r"spikes\['neuron_id'\]: booleans are not IDs"),
    ("nan", [1.0, np.nan], r"spikes\['neuron_id'\]: .*NaN"),
    ("mixed", pd.Series([1, "a"], dtype=object), r"spikes\['neuron_id'\]: mixes strings"),
    ("blank", ["a", ""], r"spikes\['neuron_id'\]: 1 ID\(s\) are empty or blank"),
    ("float_flywire", np.array(FW[:2], float), r"spikes\['neuron_id'\]: .*above 2\*\*53"),
]


@pytest.mark.parametrize("name,ids,rx", BAD_IDS, ids=[c[0] for c in BAD_IDS])
def test_bad_ids_refused_before_writing(tmp_path, name, ids, rx):
    p = tmp_path / "out.nwb"
    spikes = pd.DataFrame({"neuron_id": ids, "time": [1.0, 2.0]})
    with pytest.raises(IDError, match=rx):
        write_nwb(p, spikes=spikes)
    assert not p.exists()


@pytest.mark.parametrize("ids", [[BIG, 5], [2 ** 64 - 1, 2 ** 63], FW[:2], [-3, 7]])
def test_64bit_ids_roundtrip(tmp_path, ids):
    pytest.importorskip("pynwb")
    from connectome_sim.io.nwb import read_nwb

    dtype = np.uint64 if max(ids) > 2 ** 63 - 1 else np.int64
    spikes = pd.DataFrame({"neuron_id": np.array(ids, dtype=dtype), "time": [1.0, 2.0]})
    back = read_nwb(write_nwb(tmp_path / "out.nwb", spikes=spikes))["spikes"]
    assert sorted(int(v) for v in back["neuron_id"]) == sorted(ids)
