"""The ID policy (connectome_sim.ids): exact identity, clear refusals."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import IDError, UnknownIDError
from connectome_sim.ids import as_id, as_ids, common_ids, id_index, lookup

FLYWIRE = np.array([720575940621039145, 720575940621039146, 2 ** 63 + 7], dtype=np.uint64)


def test_uint64_and_int64_join_without_loss():
    pre = as_ids(FLYWIRE)
    post = as_ids(np.array([720575940621039145, 5], dtype=np.int64))
    a, b = common_ids(pre, post)
    assert a.dtype == np.uint64 and b.dtype == np.uint64
    assert len(np.unique(np.concatenate([a, b]))) == 4     # nothing merged
    assert int(a[2]) == 2 ** 63 + 7


def test_lookup_above_2_63_and_mixed_widths():
    idx = id_index(FLYWIRE)
    assert lookup(idx, [2 ** 63 + 7]).tolist() == [2]
    assert lookup(idx, np.array([720575940621039146], np.int64)).tolist() == [1]
    with pytest.raises(UnknownIDError, match="720575940621039147"):
        lookup(idx, [720575940621039147])
    with pytest.raises(UnknownIDError, match="-1"):
        lookup(idx, [-1])
    with pytest.raises(UnknownIDError):
        lookup(id_index([1, 2]), np.array([2 ** 63 + 7], np.uint64))


@pytest.mark.parametrize("bad, culprit", [
    ([1, "1"], "mixes strings"),
    ([1.2, 3], "1.2"),
    (np.array([7.2e17, 7.2e17 + 64]), "2\\*\\*53"),
    ([True, False], "boolean"),
    (np.array([True]), "boolean"),
    ([np.nan, 1.0], "NaN"),
    ([None, 1], "missing"),
    (pd.Series([1.0, np.nan]), "missing"),
    (np.array([1.0, np.inf]), "infinite"),
    ([object()], "neither integers nor strings"),
])
def test_refused(bad, culprit):
    with pytest.raises(IDError, match=culprit):
        as_ids(bad, "pre")


def test_accepted_forms():
    assert as_ids([np.uint64(2 ** 63 + 1), 5]).dtype == np.uint64
    assert as_ids([1, 2.0]).tolist() == [1, 2]
    assert as_ids(np.array([3.0, 4.0])).dtype == np.int64
    assert as_ids(pd.Series(["a", "b"], dtype="category")).tolist() == ["a", "b"]
    assert as_ids(np.array(["a", "b"])).dtype == object
    assert as_ids(x for x in [1, 2]).tolist() == [1, 2]
    assert as_id(np.int32(5)) == 5 and isinstance(as_id(np.int32(5)), int)


@pytest.mark.parametrize("bad", [20.5, True, np.float64(3.5), [1, 2]])
def test_single_id_refused(bad):
    with pytest.raises(IDError):
        as_id(bad, "where")


def test_string_vs_integer_lookup_is_an_error_not_unknown():
    with pytest.raises(IDError, match="strings"):
        lookup(id_index(["ALML"]), [1])
    with pytest.raises(IDError, match="integers"):
        lookup(id_index([1]), ["1"])
    with pytest.raises(IDError, match="strings"):
        common_ids(as_ids(["a"]), as_ids([1]))
