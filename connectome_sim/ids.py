"""One identity policy for neuron, node and connector IDs.

Connectome IDs are exact: FlyWire root IDs are 18-digit integers (about 7.2e17, above the 2**53
that a float64 represents exactly, some above 2**63 when read as unsigned), hemibrain body IDs
are 64-bit integers, C. elegans neurons are names.  An ID keeps its exact identity from the
user's table to every result table, so the rules are:

- Integers of any NumPy width (signed or unsigned, mixed) are one kind: ``int64`` when every
  value fits, ``uint64`` when some exceed 2**63 - 1 and none is negative.  A column of uint64
  and a column of int64 therefore join without loss (no silent cast to float64).
- Strings are another kind; an empty or whitespace-only string is a missing ID and is
  refused.  A collection mixing integers and strings is refused: ``1`` and
  ``'1'`` would otherwise become two neurons.
- Floats are accepted only when every value is finite, integral and at most 2**53 in magnitude
  (for example an integer column that pandas read as float because of a blank cell); any other
  float is refused, naming examples, because it has already lost digits or is not an ID.
- Booleans, None/NaN and other objects are refused.

These functions raise :class:`~connectome_sim.errors.IDError` (a ``ValueError``) naming the
offending values and what to do; ``what`` names the argument in the caller's words (a keyword
for Python users, a flag for the command line).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .errors import IDError, ParameterError, UnknownIDError

__all__ = ["as_ids", "as_id", "common_ids", "id_index", "lookup", "align_by_id"]

#: largest magnitude a float64 represents every integer up to (IEEE 754 binary64)
_FLOAT_EXACT = 2.0 ** 53
_I64_MAX = np.iinfo(np.int64).max


def _examples(values, n: int = 5) -> str:
    vals = list(pd.unique(pd.Series(np.asarray(values, dtype=object))))[:n]
    return ", ".join(repr(v) for v in vals)


def _from_floats(arr: np.ndarray, what: str) -> np.ndarray:
    bad = ~np.isfinite(arr)
    if bad.any():
        raise IDError(f"{what}: {int(bad.sum())} value(s) are NaN or infinite "
                      f"(e.g. {_examples(arr[bad])}); every ID must be a whole number or a "
                      "string; drop the rows without an ID first")
    frac = arr != np.floor(arr)
    if frac.any():
        raise IDError(f"{what}: {int(frac.sum())} value(s) are not whole numbers "
                      f"(e.g. {_examples(arr[frac])}); IDs are integers or strings, never "
                      "rounded")
    big = np.abs(arr) > _FLOAT_EXACT
    if big.any():
        raise IDError(f"{what}: {int(big.sum())} ID(s) are floating-point numbers above 2**53 "
                      f"(e.g. {_examples(arr[big])}), which float64 cannot hold exactly, so "
                      "different neurons may already have been merged; keep IDs as integers or "
                      "strings: in a file write them without a decimal part ('…819', not "
                      "'…819.0'), in pandas read that column with dtype='int64' (or "
                      "'uint64' for FlyWire root IDs)")
    return arr.astype(np.int64)


def _strings(arr: np.ndarray, what: str) -> np.ndarray:
    """String IDs as an object array; empty or whitespace-only strings are refused (a blank
    cell is a missing ID, and every blank would become one neuron named '')."""
    blank = np.fromiter((not v.strip() for v in arr), bool, arr.size)
    if blank.any():
        pos = np.flatnonzero(blank)
        raise IDError(f"{what}: {pos.size} ID(s) are empty or blank strings (at position(s) "
                      f"{pos[:10].tolist()}); every neuron needs a name: fill or drop those "
                      "rows")
    return arr.astype(object)


def _from_objects(arr: np.ndarray, what: str) -> np.ndarray:
    """Object array of Python/NumPy scalars -> int64, uint64 or object(str)."""
    is_str = np.fromiter((isinstance(v, str) for v in arr), bool, arr.size)
    if is_str.all():
        return _strings(arr, what)
    is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in arr), bool, arr.size)
    if is_bool.any():
        raise IDError(f"{what}: booleans are not IDs (got {_examples(arr[is_bool])}); pass "
                      "the IDs themselves, or select them with a boolean mask first")
    is_int = np.fromiter((isinstance(v, numbers.Integral) for v in arr), bool, arr.size)
    if is_str.any():
        other = arr[~is_str]
        raise IDError(f"{what}: mixes strings ({_examples(arr[is_str], 3)}) with non-strings "
                      f"({_examples(other, 3)}); 1 and '1' would be two different neurons. "
                      "Use one kind: convert with .astype(str) or .astype('int64')")
    if is_int.all():
        ints = [int(v) for v in arr]
        lo, hi = (min(ints), max(ints)) if ints else (0, 0)
        if hi <= _I64_MAX and lo >= -_I64_MAX - 1:
            return np.array(ints, dtype=np.int64)
        if lo >= 0 and hi < 2 ** 64:
            return np.array(ints, dtype=np.uint64)
        raise IDError(f"{what}: integer IDs outside the 64-bit range (e.g. "
                      f"{_examples([v for v in ints if v > _I64_MAX or v < -_I64_MAX - 1])})")
    is_float = np.fromiter((isinstance(v, numbers.Real) for v in arr), bool, arr.size)
    if (is_int | is_float).all():
        return _from_floats(np.array([float(v) for v in arr]), what) if not is_int.any() else \
            _mixed_int_float(arr, is_int, what)
    bad = arr[~(is_int | is_float)]
    raise IDError(f"{what}: values that are neither integers nor strings "
                  f"(e.g. {_examples(bad)}); IDs are integers or strings")


def _mixed_int_float(arr, is_int, what):
    _from_floats(np.array([float(v) for v in arr[~is_int]]), what)   # validates the floats
    return _from_objects(np.array([int(v) for v in arr], dtype=object), what)


def as_ids(values, what: str = "IDs") -> np.ndarray:
    """Validate a collection of IDs and return them in their canonical dtype.

    Parameters
    ----------
    values : scalar, list, numpy array, pandas Series/Index
        Neuron, node or connector IDs.
    what : str
        Name of the argument in the caller's words, used in error messages.

    Returns
    -------
    numpy.ndarray
        1-D array of dtype int64, uint64 (integers above 2**63 - 1, none negative) or object
        (strings).

    Raises
    ------
    IDError
        For booleans, non-integral or inexact floats, NaN, mixed strings and integers.
    """
    if isinstance(values, (pd.Series, pd.Index)):
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(values.cat.categories.dtype)
        if values.hasnans if isinstance(values, pd.Index) else values.isna().any():
            raise IDError(f"{what}: missing values (NaN/None); every row needs an ID")
        arr = values.to_numpy()
    elif isinstance(values, (str, bytes)) or np.isscalar(values) or values is None:
        arr = np.array([values], dtype=object)
    elif isinstance(values, np.ndarray):
        arr = values
    else:
        # lists/tuples/iterables: numpy would turn [1, '1'] into two equal strings and
        # [np.uint64(2**63 + 1), 5] into float64, so their elements are inspected one by one
        vals = list(values)
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
    arr = arr.reshape(-1)
    kind = arr.dtype.kind
    if kind == "b":
        raise IDError(f"{what}: booleans are not IDs; pass the IDs themselves, or select them "
                      "with a boolean mask first")
    if kind == "i":
        return arr.astype(np.int64, copy=False)
    if kind == "u":
        if arr.size and arr.max() > _I64_MAX:
            return arr.astype(np.uint64, copy=False)
        return arr.astype(np.int64)
    if kind == "f":
        return _from_floats(arr.astype(np.float64), what)
    if kind in "US":
        return _strings(np.array([v.decode() if isinstance(v, bytes) else str(v)
                                  for v in arr], dtype=object), what)
    if kind == "O":
        if arr.size == 0:
            return np.empty(0, dtype=np.int64)
        missing = pd.isna(arr)
        if missing.any():
            raise IDError(f"{what}: missing values (NaN/None); every row needs an ID")
        return _from_objects(arr, what)
    raise IDError(f"{what}: unsupported ID dtype {arr.dtype}; IDs are integers or strings")


def as_id(value, what: str = "ID"):
    """One ID, validated as by :func:`as_ids`; returns a Python int or str."""
    if isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        raise IDError(f"{what}: expected one ID, got a collection of {len(value)}")
    arr = as_ids(value, what)
    v = arr[0]
    return v if isinstance(v, str) else int(v)


def common_ids(*arrays: np.ndarray, what: str = "IDs") -> tuple[np.ndarray, ...]:
    """Bring canonical ID arrays (from :func:`as_ids`) to one common dtype, without loss.

    int64 + uint64 become uint64 when no value is negative; strings and integers together
    are refused (they would never match).
    """
    kinds = {a.dtype.kind for a in arrays if a.size}
    if not kinds:
        return tuple(a.astype(np.int64) for a in arrays)
    if "O" in kinds and kinds != {"O"}:
        raise IDError(f"{what}: some are strings and some integers; 1 and '1' would never "
                      "match. Use one kind in every column and argument")
    if kinds == {"O"}:
        return tuple(a.astype(object) for a in arrays)
    if "u" in kinds:
        neg = [a for a in arrays if a.dtype.kind == "i" and a.size and a.min() < 0]
        if neg:
            raise IDError(f"{what}: negative IDs beside IDs above 2**63 "
                          f"(e.g. {_examples(neg[0][neg[0] < 0])}); no 64-bit type holds both")
        return tuple(a.astype(np.uint64) for a in arrays)
    return tuple(a.astype(np.int64, copy=False) for a in arrays)


def id_index(values, what: str = "IDs") -> pd.Index:
    """A pandas Index of canonical IDs (see :func:`as_ids`)."""
    arr = as_ids(values, what)
    return pd.Index(arr, dtype=arr.dtype)


def lookup(index: pd.Index, values, what: str = "IDs", where: str = "the network",
           hint: str = "") -> np.ndarray:
    """Row positions (int64) of ``values`` in the canonical ID ``index``.

    Raises :class:`~connectome_sim.errors.UnknownIDError` listing (up to 20) IDs not in
    ``index``, and :class:`~connectome_sim.errors.IDError` when the query cannot be an ID
    of this index (a string asked of integer IDs or the reverse, a rounded float, ...).
    """
    q = as_ids(values, what)
    if q.size == 0:
        return np.empty(0, np.int64)
    q0 = q
    ik, qk = index.dtype.kind, q.dtype.kind
    if len(index) and (ik == "O") != (qk == "O"):
        kind = "strings" if ik == "O" else "integers"
        raise IDError(f"{what}: the IDs of {where} are {kind}, got {_examples(q, 3)}; "
                      f"pass {kind}")
    if ik == "u" and qk == "i":
        neg = q < 0
        q = q.astype(np.uint64)
        rows = index.get_indexer(q)
        rows[neg] = -1
    elif ik == "i" and qk == "u":
        rows = np.full(q.size, -1, np.int64)   # above 2**63 - 1: cannot be in an int64 index
    else:
        rows = index.get_indexer(q)
    missing = rows < 0
    if missing.any():
        bad = list(pd.unique(pd.Series(q0[missing].astype(object))))
        more = " ..." if len(bad) > 20 else ""
        raise UnknownIDError(f"{what}: {len(bad)} ID(s) not in {where}: {bad[:20]}{more}"
                             f"{'; ' + hint if hint else ''}")
    return rows.astype(np.int64)


def align_by_id(values, ids, what: str = "values"):
    """Per-neuron values keyed by neuron ID, put in the order of ``ids``.

    A pandas Series is matched to neurons by its index and a mapping by its keys, as pandas
    aligns Series: taking them by position would give neuron ``ids[0]`` the value of
    whichever ID the Series happens to list first.  Any other value (a scalar, a list or an
    array, which are in the order of ``ids``) is returned unchanged.

    Parameters
    ----------
    values : object
        The value given by the caller.
    ids : array-like
        Canonical IDs (:func:`as_ids`) of the neurons the values are for, in order.
    what : str
        The keyword in the caller's words, used in messages.

    Returns
    -------
    numpy.ndarray or object
        One value per ID of ``ids`` for a Series or mapping; ``values`` otherwise.

    Raises
    ------
    ParameterError
        Keys that are not IDs of the same kind as ``ids``, repeated keys, IDs of ``ids``
        without a value, or keys naming no neuron of ``ids`` (examples of each are named).
    """
    if isinstance(values, pd.Series):
        keys, vals = values.index, values.to_numpy()
    elif isinstance(values, Mapping):
        keys, vals = list(values.keys()), np.asarray(list(values.values()))
    else:
        return values
    ids = as_ids(ids, what)
    how = ("a Series is matched to the neurons by its index (neuron IDs), a dict by its keys; "
           "for values in the order of the IDs pass a list or .to_numpy()")
    try:
        k = as_ids(keys, f"{what}: index")
        k, q = common_ids(k, ids, what=what)
    except IDError as e:
        raise ParameterError(f"{what}: its index/keys ({_examples(keys, 3)}) are not neuron "
                             f"IDs of these neurons ({_examples(ids, 3)}): {e}; {how}") from None
    index = pd.Index(k)
    if index.has_duplicates:
        raise ParameterError(f"{what}: neuron ID(s) {_examples(index[index.duplicated()])} "
                             "appear more than once in its index; give each neuron one value")
    pos = index.get_indexer(q)
    if (pos < 0).any():
        miss = ids[pos < 0]
        raise ParameterError(f"{what}: no value for {miss.size} neuron(s) (e.g. "
                             f"{_examples(miss)}); {how}")
    extra = k[~index.isin(q)]
    if extra.size:
        raise ParameterError(f"{what}: values for {extra.size} ID(s) that are not among the "
                             f"neurons given (e.g. {_examples(extra)}); {how}")
    return vals[pos]
