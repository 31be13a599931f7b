"""Edge-list readers: CSV/parquet files or DataFrames, with column detection that says what it did.

Public connectome exports name their columns differently.  The reader recognises these
(case-insensitive; spaces, dashes and underscores are equivalent):

=====================================  =================================  ===========================
export                                 source, target                     weight / sign / transmitter
=====================================  =================================  ===========================
plain                                  ``source``, ``target``             ``weight``
neuPrint (hemibrain, MANC)             ``bodyId_pre``, ``bodyId_post``    ``weight`` (``roi`` rows
                                                                          are summed)
FlyWire / Codex ``connections.csv``    ``pre_root_id``, ``post_root_id``  ``syn_count``, ``nt_type``
                                                                          (ACH, GABA, GLUT, DA, SER,
                                                                          OCT), ``neuropil`` rows
                                                                          summed
Shiu et al. 2024 (``Connectivity_*``)  ``Presynaptic_ID``,                ``Excitatory x
                                       ``Postsynaptic_ID``                Connectivity`` (signed), or
                                                                          ``Connectivity`` with the
                                                                          ``Excitatory`` sign (+1/-1)
C. elegans (Cook et al. 2019 tables)   ``pre``, ``post``                  ``weight``, ``type``
                                                                          (chemical / electrical),
                                                                          ``transmitter``
WormAtlas ``NeuronConnect``            ``Neuron 1``, ``Neuron 2``         ``Nbr``, ``Type`` (S, Sp,
(Varshney et al. 2011)                                                    EJ, NMJ; R/Rp refused)
headerless ``a,b[,w]``                 first, second column              third column
=====================================  =================================  ===========================

Weight columns: ``weight``, ``syn_count``, ``n_synapses``, ``synapses``, ``count``,
``strength``, ... (:data:`WEIGHT_NAMES`).  Sign columns: ``sign``, ``excitatory`` (Shiu),
``is_excitatory``.  Transmitter columns: ``nt_type``, ``nt``, ``neurotransmitter``,
``transmitter``, ``top_nt``, ``predicted_nt``.  Transmitters in :data:`INHIBITORY_NT` (GABA and
glutamate, as in Shiu et al. 2024 for the fly) make a synapse inhibitory.

Every guess is logged at INFO level (logger ``connectome_sim.io.edges``) and listed by
:meth:`EdgeColumns.summary`.  A numeric column that is neither an ID, a weight, a sign nor a
delay, in a table without a recognised weight column, is an error naming the column: it may be
the weights under an unknown name, and giving every edge weight 1 would be silently wrong.
Pass ``weight_col=False`` for one synapse per row.

IDs keep the exact identity they have in the file: CSV ID columns are read as integers
(int64, or uint64 above 2**63 - 1) or strings, never through float64 (see
:mod:`connectome_sim.ids`).
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import IDError, MissingTransmitterWarning, ParameterError
from ..ids import as_ids

__all__ = ["read_edges", "detect_columns", "detect_edge_columns", "load_edge_list",
           "EdgeColumns", "EdgeList", "neurotransmitter_signs", "INHIBITORY_NT", "transmitter_set",
           "WEIGHT_NAMES", "read_neuron_table", "transmitter_column", "column_signs"]

log = logging.getLogger(__name__)

#: (source, target) column pairs, in order of preference (normalised names, see _norm)
_PAIRS = [
    ("source", "target"), ("pre", "post"), ("bodyid_pre", "bodyid_post"),
    ("pre_root_id", "post_root_id"), ("pre_pt_root_id", "post_pt_root_id"),
    ("presynaptic_id", "postsynaptic_id"), ("pre_id", "post_id"),
    ("source_id", "target_id"), ("presynaptic", "postsynaptic"), ("from", "to"),
    ("neuron_1", "neuron_2"), ("pre_skid", "post_skid"),
]
#: weight columns, in order of preference (Shiu's signed product before its unsigned count)
WEIGHT_NAMES = (
    "excitatory_x_connectivity", "weight", "syn_count", "n_synapses", "num_synapses",
    "synapse_count", "synapses", "n_syn", "nsyn", "num_syn", "nbr", "connectivity", "count",
    "counts", "strength", "w", "weighthp",
)
#: sign columns (+1/-1, booleans or excitatory/inhibitory words)
SIGN_NAMES = ("sign", "excitatory", "is_excitatory", "polarity")
#: transmitter columns
NT_NAMES = ("nt_type", "nt", "neurotransmitter", "transmitter", "top_nt", "predicted_nt",
            "predictednt", "pre_nt", "nt_pre")
#: delay columns (ms)
DELAY_NAMES = ("delay", "delay_ms")
#: synapse-type columns (chemical / electrical)
TYPE_NAMES = ("type", "synapse_type", "syn_type", "connection_type")

#: numeric columns that are known not to be weights (normalised-name regex)
_NOT_WEIGHT = re.compile(
    r"(^|_)(id|index|idx|x|y|z|roi|neuropil|score|conf|confidence|avg|prob)(_|$)|"
    r"^(gaba|ach|glut|oct|ser|da|nt_type_score|cleft_score|connection_score)$|_id$|^id_")

#: neurotransmitters treated as inhibitory by default (as in Shiu et al. 2024: GABA and
#: glutamate; ``GLUT`` is Codex's spelling)
INHIBITORY_NT = ("gaba", "glu", "glut", "glutamate")

#: synapse-type values (normalised) meaning a gap junction, a chemical synapse, or a row that
#: repeats another one (WormAtlas NeuronConnect's "receive" rows)
_ELECTRICAL = {"electrical", "gap", "gap_junction", "gapjunction", "ej", "e", "elec"}
_CHEMICAL = {"chemical", "chem", "c", "s", "sp", "send", "send_poly", "synapse", "nmj"}
_RECEIVE = {"r", "rp", "receive", "receive_poly"}


def _norm(name) -> str:
    """Column name in comparable form: lower case, spaces/dashes as underscores."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _find(df: pd.DataFrame, name: str):
    want = _norm(name)
    for c in df.columns:
        if _norm(c) == want:
            return c
    return None


def _first(df, names, exclude=()):
    for n in names:
        c = _find(df, n)
        if c is not None and c not in exclude:
            return c
    return None


@dataclass(frozen=True)
class EdgeColumns:
    """The columns of an edge list and how each was chosen.

    Attributes
    ----------
    source, target : str
        Presynaptic / postsynaptic neuron ID columns.
    weight : str or None
        Weight column (synapse counts or model units; may already carry signs), None for one
        synapse per row.
    sign : str or None
        Column of signs (+1/-1, booleans, 'excitatory'/'inhibitory') applied to ``|weight|``.
    nt : str or None
        Transmitter column; :data:`INHIBITORY_NT` values make synapses inhibitory.
    delay : str or None
        Delay column, ms.
    type : str or None
        Synapse-type column (chemical / electrical rows).
    guessed : tuple of str
        Which of the above were auto-detected (not given by the caller).
    """

    source: str
    target: str
    weight: str | None = None
    sign: str | None = None
    nt: str | None = None
    delay: str | None = None
    type: str | None = None
    guessed: tuple = ()

    def summary(self) -> str:
        """One line listing the columns used, marking the guessed ones."""
        parts = []
        for role in ("source", "target", "weight", "sign", "nt", "delay", "type"):
            col = getattr(self, role)
            label = {"nt": "transmitter"}.get(role, role)
            if col is None:
                if role == "weight":
                    parts.append("weight: none (1 per row)")
                continue
            parts.append(f"{label}: {col!r}" + (" (detected)" if role in self.guessed else ""))
        return "edge columns: " + ", ".join(parts)


def detect_edge_columns(df: pd.DataFrame, source_col=None, target_col=None, weight_col=None,
                        sign_col=None, nt_col=None, delay_col=None, type_col=None
                        ) -> EdgeColumns:
    """Find the source, target, weight, sign, transmitter, delay and type columns.

    Parameters
    ----------
    df : pandas.DataFrame
        The edge list.
    source_col, target_col, weight_col, sign_col, nt_col, delay_col, type_col : str, optional
        Explicit column names (must exist).  ``None``: detected from the names in the module
        docstring.  ``False``: no such column (``weight_col=False``: weight 1 per row).

    Returns
    -------
    EdgeColumns

    Raises
    ------
    ParameterError
        A given column is missing, the source/target columns cannot be told, or a numeric
        column that could be the weights sits beside no recognised weight column (its name is
        in the message).
    """
    cols = [str(c) for c in df.columns]
    given = dict(source=source_col, target=target_col, weight=weight_col, sign=sign_col,
                 nt=nt_col, delay=delay_col, type=type_col)
    for role, name in given.items():
        if name is None or name is False:
            continue
        if name not in df.columns:
            raise ParameterError(
                f"edge list has no column {name!r} (given as {role}_col={name!r}); its columns "
                f"are {cols}")
    named = {}
    for role, name in given.items():     # one column in two roles: e.g. every edge a self-loop
        if name is None or name is False:
            continue
        if name in named:
            raise ParameterError(
                f"column {name!r} is given both as {named[name]}_col= and as {role}_col=; "
                "each role needs its own column")
        named[name] = role
    guessed = []
    src, tgt = source_col, target_col
    if src is None or tgt is None:
        for s, t in _PAIRS:
            cs, ct = _find(df, s), _find(df, t)
            if cs is not None and ct is not None and cs != ct:
                if src is None:
                    src, _ = cs, guessed.append("source")
                if tgt is None:
                    tgt, _ = ct, guessed.append("target")
                break
        else:
            raise ParameterError(
                f"cannot tell the source and target columns of the edge list {cols}; name them "
                "with source_col='...' and target_col='...' (recognised pairs: "
                + ", ".join(f"{s}/{t}" for s, t in _PAIRS[:7])
                + "). A file without a header row is read with header=None")
    ids = (src, tgt)
    for name, role in named.items():
        if role not in ("source", "target") and name in ids:
            which = "source" if name == src else "target"
            raise ParameterError(
                f"column {name!r} is given as {role}_col= but is the {which} ID column "
                f"(detected); name the {which} column with {which}_col=... if it is another")
    found = {}
    for role, names in (("weight", WEIGHT_NAMES), ("sign", SIGN_NAMES), ("nt", NT_NAMES),
                        ("delay", DELAY_NAMES), ("type", TYPE_NAMES)):
        if given[role] is False:
            found[role] = None
        elif given[role] is not None:
            found[role] = given[role]
        else:
            c = _first(df, names, exclude=ids + tuple(v for v in found.values() if v)
                       + tuple(named))          # nor a column named for another role
            if c is not None:
                guessed.append(role)
            found[role] = c
    if found["weight"] is not None and _norm(found["weight"]) == "excitatory_x_connectivity" \
            and "sign" in guessed:
        # Shiu's product is already signed: applying 'Excitatory' again is a no-op at best
        found["sign"] = None
        guessed.remove("sign")
    if found["type"] is not None and "type" in guessed and \
            not _looks_like_type_column(df[found["type"]]):
        found["type"] = None                          # e.g. a cell-type column named 'type'
        guessed.remove("type")
    if found["weight"] is None and weight_col is not False:
        used = set(ids) | {v for v in found.values() if v}
        suspects = [str(c) for c in df.columns if c not in used
                    and pd.api.types.is_numeric_dtype(df[c])
                    and not pd.api.types.is_bool_dtype(df[c])
                    and not _NOT_WEIGHT.search(_norm(c))]
        if suspects:
            raise ParameterError(
                f"the edge list has no recognised weight column but numeric column(s) "
                f"{suspects}; if {suspects[0]!r} holds the weights pass "
                f"weight_col={suspects[0]!r}, or pass weight_col=False for one synapse per row "
                f"(recognised weight names: {', '.join(WEIGHT_NAMES[:12])}, ...)")
    ec = EdgeColumns(src, tgt, found["weight"], found["sign"], found["nt"], found["delay"],
                     found["type"], tuple(guessed))
    if guessed:
        log.info("%s", ec.summary())
    return ec


def _looks_like_type_column(col: pd.Series) -> bool:
    vals = {_norm(v) for v in pd.unique(col.dropna().astype(str))[:50]}
    return bool(vals) and vals <= (_ELECTRICAL | _CHEMICAL | _RECEIVE)


def detect_columns(df: pd.DataFrame, source_col=None, target_col=None, weight_col=None):
    """Return the ``(source, target, weight)`` column names of an edge list.

    Kept for callers that need only these three; :func:`detect_edge_columns` also finds the
    sign, transmitter, delay and synapse-type columns.

    Parameters
    ----------
    df : pandas.DataFrame
        The edge list, one row per connection.
    source_col, target_col : str, optional
        Presynaptic / postsynaptic neuron ID columns; detected if None.
    weight_col : str or False, optional
        Weight column; detected if None, none (weight 1 per row) if False.

    Returns
    -------
    tuple
        ``(source_col, target_col, weight_col)``; ``weight_col`` may be None.

    Raises
    ------
    ParameterError
        See :func:`detect_edge_columns`.
    """
    ec = detect_edge_columns(df, source_col, target_col, weight_col)
    return ec.source, ec.target, ec.weight


# ----------------------------------------------------------------------------- files
def _file_error(path, what: str) -> ParameterError:
    return ParameterError(f"edge list {path}: {what}")


def _compression(path):
    """``'gzip'`` when the file starts with the gzip magic bytes (RFC 1952), whatever its
    suffix, else None: a gzipped ``edges.csv`` was refused as binary, and a plain file named
    ``.gz`` as not gzipped.  (Other compressions are refused by suffix before this.)"""
    try:
        with open(path, "rb") as fh:
            return "gzip" if fh.read(2) == b"\x1f\x8b" else None
    except OSError:
        return None


def _open_bytes(path):
    """The file's bytes, decompressed if its content is gzip (see :func:`_compression`)."""
    import gzip

    return (gzip.open if _compression(path) == "gzip" else open)(path, "rb")


#: separators tried, in order, when the suffix's own does not split the first line
_SEPARATORS = ("\t", ";", ",")


def _sniff_csv(path: Path, sep: str):
    """(first row fields, number of leading comment lines) of a text table; refuses binary
    files.  Only whole lines starting with ``#`` before the table are comments: a ``#``
    inside a field (``'A#1'``) is part of an ID."""
    try:
        with _open_bytes(path) as fh:
            head = fh.read(65536)
    except (OSError, EOFError) as e:
        raise _file_error(path, f"cannot be read ({e})") from None
    if b"\x00" in head:
        raise _file_error(path, "is a binary file, not a CSV/TSV text table (parquet files "
                                "need a .parquet suffix)")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:
            raise _file_error(path, "is not UTF-8 text; is it a CSV?") from None
        text = head[:e.start].decode("utf-8")
    raw = text.splitlines()
    skip = 0                 # leading comment lines ('#' first); '#' inside a field is data
    while skip < len(raw) and (not raw[skip].strip() or raw[skip].lstrip().startswith("#")):
        skip += 1
    lines = [ln for ln in raw[skip:] if ln.strip()]
    if not lines:
        raise _file_error(path, "is empty")
    first = [f.strip().strip('"') for f in lines[0].split(sep)]
    if len(first) < 2:
        # the suffix's separator does not split it: a semicolon CSV (European spreadsheets)
        # or a tab-separated file named .csv; take the first separator that splits the first
        # line and every other of the sniffed lines into as many fields
        for other in _SEPARATORS:
            n = len(lines[0].split(other))
            if other != sep and n >= 2 and all(len(ln.split(other)) == n
                                                for ln in lines[1:20]):
                return [f.strip().strip('"') for f in lines[0].split(other)], skip, other
        raise _file_error(path, f"the first line has {len(first)} field(s) separated by "
                                f"{sep!r} (nor by tab, ';' or ','); an edge list needs at "
                                "least source and target")
    return first, skip, sep


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _headerless(first: list[str]) -> bool:
    """A first row is data, not a header, if it names no known column and its weight field
    (third) or both ID fields are numbers."""
    fake = pd.DataFrame(columns=[f if f else f"_{i}" for i, f in enumerate(first)])
    known = any(_find(fake, s) is not None and _find(fake, t) is not None for s, t in _PAIRS)
    if known:
        return False
    if all(_is_number(f) for f in first):
        return True
    return 3 <= len(first) <= 4 and _is_number(first[2]) and not _is_number(first[0])


# pandas' default missing-value markers (read_csv's na_values documentation)
_NA_MARKERS = frozenset({"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                         "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
                         "nan", "null"})


def _exact_id_column(path, sep, header, col, name, skip=0):
    """Re-read one ID column as text and convert it exactly (ints or strings, never float)."""
    s = pd.read_csv(path, sep=sep, header=header, usecols=[col], dtype=str,
                    compression=_compression(path),
                    keep_default_na=False, comment=None, skiprows=skip,
                    skipinitialspace=True).iloc[:, 0].str.strip()
    # the markers pandas reads as missing ('NA', 'null', '#N/A', ...) are what made this
    # column float: they are missing IDs, not neurons named 'NA' (nor an unparsable number)
    blank = (s.str.strip() == "") | s.isin(_NA_MARKERS)
    if blank.any():
        rows = np.flatnonzero(blank.to_numpy())[:10].tolist()
        found = sorted(set(s[blank]) - {""})[:5]
        marks = f"; missing-value markers {found}" if found else ""
        raise IDError(f"edge list {path}: column {name!r} has no ID on data row(s) {rows} "
                      f"(0-based{marks}); every row needs a source and a target")
    ints = s.str.fullmatch(r"[+-]?\d+")
    if ints.all():
        return as_ids([int(v) for v in s], what=f"column {name!r} of {path}")
    if ints.any() and not s[~ints].map(_is_number).all():
        return as_ids(s.to_numpy(dtype=object), what=f"column {name!r} of {path}")
    # decimals such as '12.0': the ID policy takes exact small integral floats only
    return as_ids(pd.to_numeric(s).to_numpy(), what=f"column {name!r} of {path}")


def read_edges(edges, source_col=None, target_col=None, weight_col=None, header="infer"):
    """Load an edge list into a DataFrame (no column renaming), IDs exact.

    Parameters
    ----------
    edges : DataFrame, str or Path
        A DataFrame (returned as is), or a ``.csv``, ``.csv.gz``, ``.tsv``, ``.txt``,
        ``.parquet`` or ``.feather`` file.
    source_col, target_col, weight_col : str, optional
        Column names (used to find the ID columns that must be read exactly; see
        :func:`detect_edge_columns`).
    header : 'infer', int or None
        ``'infer'``: a CSV whose first row names no known column and holds numbers where the
        weight or the IDs go is read without a header as ``source, target[, weight]``;
        ``None``: no header; ``0``: the first row is the header.

    Returns
    -------
    pandas.DataFrame
        ID columns are int64, uint64 or str (object); never float.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ParameterError
        The file is binary, empty, header-only, unreadable or has an unknown suffix; the
        message names the path.
    IDError
        An ID column holds blanks or values that are not exact integers or strings.
    """
    if isinstance(edges, pd.DataFrame):
        return edges
    path = Path(edges)
    if path.is_dir():
        raise _file_error(path, "is a folder, not a file")
    if not path.exists():
        raise FileNotFoundError(f"edge list {path} does not exist")
    suf = "".join(path.suffixes[-2:]).lower()
    if suf.endswith((".parquet", ".pq")):
        df = _read_binary(path, pd.read_parquet, "parquet")
    elif suf.endswith((".feather", ".arrow")):
        df = _read_binary(path, pd.read_feather, "feather")
    elif suf.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz", ".gz")) \
            or not path.suffix:
        df = _read_text(path, header)
    else:
        raise _file_error(path, f"unknown suffix {path.suffix!r}; edge lists are .csv, "
                                ".csv.gz, .tsv, .txt, .parquet or .feather")
    if len(df) == 0:
        raise _file_error(path, f"has no rows (columns: {[str(c) for c in df.columns]})")
    return df


def _read_binary(path, reader, kind):
    try:
        return reader(path)
    except Exception as e:  # pyarrow raises its own classes; name the file instead
        raise _file_error(path, f"cannot be read as {kind} ({type(e).__name__}: "
                                f"{str(e).splitlines()[0] if str(e) else ''})") from None


def _read_text(path: Path, header):
    sep = "\t" if ".tsv" in "".join(path.suffixes).lower() else ","
    first, skip, sep = _sniff_csv(path, sep)
    comp = _compression(path)
    if header == "infer":
        header = None if _headerless(first) else 0
    try:
        # skipinitialspace: 'pre, post' files (a space after each comma) must not make
        # ' AVAL' and 'AVAL' two neurons; string IDs are stripped below as well
        df = pd.read_csv(path, sep=sep, header=header, comment=None, skiprows=skip,
                         skipinitialspace=True, compression=comp)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise _file_error(path, f"cannot be parsed as a {'TSV' if sep == chr(9) else 'CSV'} "
                                f"table ({str(e).splitlines()[0]})") from None
    if header is None:
        names = ["source", "target", "weight"][: df.shape[1]]
        df.columns = names + [f"col{i}" for i in range(len(names), df.shape[1])]
    if len(df) == 0:
        return df
    # IDs must not pass through float64 (a blank cell, or values pandas could not hold)
    try:
        ec_src, ec_tgt = _id_columns(df)
    except ParameterError:
        return df                    # detection errors are raised where columns are chosen
    for c in (ec_src, ec_tgt):
        if df[c].dtype.kind == "f":
            pos = list(df.columns).index(c)
            df[c] = _exact_id_column(path, sep, header, pos, str(c), skip)
        elif df[c].dtype.kind == "O" or isinstance(df[c].dtype, pd.StringDtype):
            df[c] = _strip_ids(df[c])
    if df[ec_src].dtype.kind in "iu" or df[ec_tgt].dtype.kind in "iu":
        _check_zero_padded(path, sep, header, skip, df, (ec_src, ec_tgt))
    return df


# a field (after a separator, blank, quote or sign) that starts with a zero and a digit:
# '007' and '7' are both the integer 7 once pandas has read them
_PADDED = re.compile(rb"[,\t\n\r \"'+-]0[0-9]")


def _any_zero_padded(path) -> bool:
    """Whether any field of the (possibly compressed) text file starts with '0' and a digit
    (read in 32 MiB pieces; a field cut between two pieces is seen in the next)."""
    tail = b"\n"
    with _open_bytes(path) as fh:
        while True:
            piece = fh.read(1 << 25)
            if not piece:
                return False
            # (the pieces' junction apart: no copy of 32 MiB)
            # ('+5' is 5 and '-0' is 0 too: any '+' or '-0' makes the exact check run)
            if (_PADDED.search(piece) or _PADDED.search(tail + piece[:2]) or b"+" in piece
                    or b"-0" in piece or (tail[-1:] == b"-" and piece[:1] == b"0")):
                return True
            tail = piece[-2:]


def _check_zero_padded(path, sep, header, skip, df, cols):
    """Refuse integer ID columns in which two spellings ('007', '7') are one integer.

    pandas reads both as 7, which would merge two neurons without a word.  The file is
    scanned for a field starting with a zero and a digit first (cheap); only then are the
    ID columns read again as text.
    """
    if not _any_zero_padded(path):
        return
    pos = [list(df.columns).index(c) for c in cols]
    text = pd.read_csv(path, sep=sep, header=header, usecols=pos, dtype=str,
                       compression=_compression(path),
                       keep_default_na=False, comment=None, skiprows=skip,
                       skipinitialspace=True)
    spell = pd.unique(np.concatenate([text.iloc[:, i].str.strip().to_numpy(dtype=object)
                                      for i in range(text.shape[1])]))
    spell = [v for v in spell if re.fullmatch(r"[+-]?\d+", v)]
    seen = {}
    for v in spell:
        seen.setdefault(int(v), []).append(v)
    clash = [sorted(vs, key=len) for vs in seen.values() if len(vs) > 1]
    if clash:
        ex = "; ".join(" and ".join(repr(v) for v in vs) for vs in clash[:3])
        raise IDError(f"edge list {path}: IDs {ex} are written differently but read as the "
                      f"same integer ({len(clash)} such ID(s)); if they are different neurons, "
                      "make the IDs text labels (e.g. 'n007'), else write each ID one way")


def _strip_ids(col: pd.Series) -> pd.Series:
    """String IDs of a text file without surrounding blanks ('AVAL ' is 'AVAL')."""
    return col.map(lambda v: v.strip() if isinstance(v, str) else v)


def _id_columns(df):
    for s, t in _PAIRS:
        cs, ct = _find(df, s), _find(df, t)
        if cs is not None and ct is not None and cs != ct:
            return cs, ct
    raise ParameterError("no ID columns")


# ----------------------------------------------------------------------------- signs
def neurotransmitter_signs(nt, inhibitory=INHIBITORY_NT) -> np.ndarray:
    """+1/-1 signs from neurotransmitter names (case-insensitive; GABA and glutamate inhibitory).

    Parameters
    ----------
    nt : array-like of str
        Neurotransmitter per edge or neuron (e.g. FlyWire/Codex ``nt_type``: ACH, GABA, GLUT,
        DA, SER, OCT; neuPrint ``predictedNt``: acetylcholine, gaba, glutamate, ...).
    inhibitory : iterable of str
        Names mapped to -1; everything else (ACh, DA, 5-HT, missing...) to +1.  Default
        :data:`INHIBITORY_NT` (Shiu et al. 2024 treat GABA and glutamate as inhibitory in the
        fly; for C. elegans, where glutamate often excites, pass ``('gaba',)``).
    """
    inh = transmitter_set(inhibitory, "inhibitory")
    s = pd.Series(np.asarray(nt, dtype=object)).astype(str).str.strip().str.lower()
    return np.where(s.isin(inh).to_numpy(), -1, 1).astype(np.int8)


def transmitter_set(names, what: str = "inhibitory_nt") -> frozenset:
    """Transmitter names as a set of lower-case words, checked where they are given.

    One string is one name (``'GABA'`` means ``{'gaba'}``, not the set of its letters, which
    would make every ``'a'``-named transmitter inhibitory and GABA itself excitatory).  Blank
    names and non-strings are refused: a blank name would match the rows whose transmitter
    is missing.

    Parameters
    ----------
    names : str or iterable of str
        Transmitter names, any case (e.g. ``'GABA'`` or ``['gaba', 'glutamate']``).
    what : str
        The caller's name for the value (keyword or CLI flag), used in messages.

    Returns
    -------
    frozenset of str

    Raises
    ------
    ParameterError
        Naming ``what`` and the offending entry.
    """
    if isinstance(names, (str, bytes)):
        names = (names,)
    try:
        items = list(names)
    except TypeError:
        raise ParameterError(f"{what}={names!r}: expected transmitter names such as 'GABA' "
                             "(a string or a list of strings)") from None
    out = set()
    for x in items:
        if isinstance(x, bytes):
            x = x.decode()
        if not isinstance(x, str):
            raise ParameterError(f"{what}: {x!r} is not a transmitter name; give names such "
                                 "as 'GABA' or 'glutamate' (strings)")
        if not x.strip():
            raise ParameterError(f"{what}={x!r}: a transmitter name cannot be blank; give "
                                 "names such as 'GABA' (a blank name would match the rows "
                                 "whose transmitter is missing)")
        out.add(x.strip().lower())
    return frozenset(out)


_EXC_WORDS = {"excitatory", "exc", "e", "+", "+1", "1", "1.0", "true", "ex"}
_INH_WORDS = {"inhibitory", "inh", "i", "-", "-1", "-1.0", "false", "in"}


def column_signs(col: pd.Series, name: str) -> np.ndarray:
    """+1/-1 from a sign column: numbers (sign of the value), booleans (True excitatory), or
    words (excitatory/inhibitory, E/I, +/-).  Zero, NaN and unknown words are refused.

    Parameters
    ----------
    col : pandas.Series
        The sign column.
    name : str
        Its name, for messages.

    Returns
    -------
    numpy.ndarray
        int8 signs, one per row.
    """
    if pd.api.types.is_bool_dtype(col):
        return np.where(col.to_numpy(), 1, -1).astype(np.int8)
    if pd.api.types.is_numeric_dtype(col):
        v = col.to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v == 0)
        if bad.any():
            rows = col.index[np.flatnonzero(bad)[:10]].tolist()
            raise ParameterError(f"sign column {name!r} has 0, NaN or inf in rows {rows}; "
                                 "signs are +1 (excitatory) or -1 (inhibitory)")
        return np.where(v < 0, -1, 1).astype(np.int8)
    s = col.astype(str).str.strip().str.lower()
    exc, inh = s.isin(_EXC_WORDS).to_numpy(), s.isin(_INH_WORDS).to_numpy()
    if not (exc | inh).all():
        bad = pd.unique(col[~(exc | inh)])[:10].tolist()
        raise ParameterError(f"sign column {name!r} has values {bad} that are not signs; use "
                             "+1/-1, True/False or excitatory/inhibitory")
    return np.where(inh, -1, 1).astype(np.int8)


# ----------------------------------------------------------------------------- edge lists
@dataclass
class EdgeList:
    """An edge list resolved to arrays, before any model scaling.

    Attributes
    ----------
    source, target : numpy.ndarray
        Neuron IDs per row, exact (int64, uint64 or object str arrays as read).
    weight : numpy.ndarray
        float64 weights with signs applied (chemical rows), in the file's unit (e.g.
        synapse counts); 1 per row without a weight column.
    delay : numpy.ndarray or None
        ms per row, from the delay column; None when there is none.
    electrical : numpy.ndarray
        bool per row: gap-junction rows (weights non-negative).
    columns : EdgeColumns
        Which columns were used.
    notes : list of str
        Human-readable description of the choices (columns, sign counts).
    """

    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    delay: np.ndarray | None
    electrical: np.ndarray
    columns: EdgeColumns
    notes: list = field(default_factory=list)

    def summary(self) -> str:
        """The column choices and the sign counts, one line."""
        return "; ".join([self.columns.summary()] + self.notes)


#: start of the warning given when ``neuron_nt`` is passed but the edge list signs itself
NEURON_NT_UNUSED = "neuron_nt is not used"


def load_edge_list(edges, source_col=None, target_col=None, weight_col=None, sign_col=None,
                   nt_col=None, delay_col=None, type_col=None, inhibitory_nt=INHIBITORY_NT,
                   neuron_nt=None, header="infer") -> EdgeList:
    """Read an edge list and resolve IDs, signed weights, delays and gap-junction rows.

    Parameters
    ----------
    edges : DataFrame, str or Path
        See :func:`read_edges`.
    source_col, target_col, weight_col, sign_col, nt_col, delay_col, type_col : str, optional
        Column names, detected when None, absent when False (see :func:`detect_edge_columns`).
    inhibitory_nt : str or iterable of str
        Transmitters that make a synapse inhibitory (default :data:`INHIBITORY_NT`); one
        string is one name (``'GABA'``).  Chemical rows whose transmitter is blank or NaN are
        taken as excitatory, with a
        :class:`~connectome_sim.errors.MissingTransmitterWarning` naming them.
    neuron_nt : pandas.Series, optional
        Transmitter per neuron (indexed by neuron ID, e.g. the ``nt_type`` column of FlyWire's
        ``neurons.csv``), used for the sign of each chemical row's presynaptic neuron when
        the edge list has no sign, transmitter or signed weight column.  Neurons missing
        from it, or with a blank transmitter, are excitatory, with a
        :class:`~connectome_sim.errors.MissingTransmitterWarning` naming them.
    header : 'infer', int or None
        See :func:`read_edges`.

    Returns
    -------
    EdgeList

    Raises
    ------
    ParameterError
        Bad columns or values (NaN/inf weights, zero signs, unknown synapse types...), naming
        the column and rows.
    IDError
        IDs that are missing or not exact integers/strings.
    """
    inhibitory_nt = transmitter_set(inhibitory_nt, "inhibitory_nt")
    df = read_edges(edges, header=header)
    ec = detect_edge_columns(df, source_col, target_col, weight_col, sign_col, nt_col,
                             delay_col, type_col)
    notes = []
    src = as_ids(df[ec.source], what=f"source column {ec.source!r}")
    tgt = as_ids(df[ec.target], what=f"target column {ec.target!r}")
    electrical = np.zeros(len(df), bool)
    if ec.type is not None:
        t = df[ec.type].astype(str).map(_norm)
        electrical = t.isin(_ELECTRICAL).to_numpy()
        receive = t.isin(_RECEIVE).to_numpy()
        known = electrical | receive | t.isin(_CHEMICAL).to_numpy()
        if not known.all():
            bad = pd.unique(df[ec.type][~known])[:10].tolist()
            raise ParameterError(f"synapse type column {ec.type!r} has values {bad}; expected "
                                 "chemical/electrical (or NeuronConnect's S, Sp, EJ, NMJ); "
                                 "pass type_col=False if this column is not a synapse type")
        if receive.any():
            raise ParameterError(
                f"synapse type column {ec.type!r} has {int(receive.sum())} 'R'/'Rp' (receive) "
                "rows; in WormAtlas NeuronConnect tables they repeat the 'S'/'Sp' (send) rows "
                "in reverse, so keeping them doubles every synapse: drop them first")
        if electrical.any():
            notes.append(f"{int(electrical.sum())} electrical (gap-junction) rows")
    if ec.weight is None:
        w = np.ones(len(df))
    elif isinstance(df[ec.weight].dtype, np.dtype) and df[ec.weight].dtype.kind in "iu":
        w = df[ec.weight].to_numpy(dtype=float)          # (integers: all finite, no NaN)
    else:
        w = pd.to_numeric(df[ec.weight], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(w)
        if bad.any():
            rows = df.index[np.flatnonzero(bad)[:10]].tolist()
            raise ParameterError(f"weight column {ec.weight!r} has NaN, inf or non-numeric "
                                 f"values in rows {rows}; drop or fix them")
    chem = ~electrical
    has_gap = bool(electrical.any())
    nt_used = False
    if ec.sign is not None:
        sg = column_signs(df[ec.sign], ec.sign)
        _check_signed_weights(df, ec.weight, w, chem, sg, f"sign column {ec.sign!r}",
                              "sign_col")
        w = np.where(chem, np.abs(w) * sg, w)
        notes.append(_sign_note(f"sign column {ec.sign!r}", sg[chem]))
    elif ec.nt is not None:
        blank = chem & _blank_transmitters(df[ec.nt])
        if blank.any():
            # a documented choice, said aloud: unknown transmitters count as excitatory (as
            # every transmitter outside inhibitory_nt), since refusing would leave a user of
            # a public table with a few unpredicted rows no way but to edit the file
            rows = df.index[np.flatnonzero(blank)[:10]].tolist()
            msg = (f"transmitter column {ec.nt!r} is blank or NaN in {int(blank.sum())} "
                   f"chemical row(s), e.g. rows {rows}: their sign is unknown and they are "
                   "taken as excitatory; fill them (or drop those rows) to choose")
            warnings.warn(msg, MissingTransmitterWarning, stacklevel=2)
            notes.append(f"{int(blank.sum())} chemical rows without a transmitter taken as "
                         "excitatory")
        sg = neurotransmitter_signs(df[ec.nt].to_numpy(), inhibitory_nt)
        _check_signed_weights(df, ec.weight, w, chem, sg, f"transmitter column {ec.nt!r}",
                              "nt_col")
        w = np.where(chem, np.abs(w) * sg, w)
        nts = df[ec.nt][chem & (sg < 0)]
        kinds = ", ".join(str(v) for v in pd.unique(nts.dropna())[:6])
        notes.append(_sign_note(f"transmitter column {ec.nt!r}", sg[chem])
                     + (f" ({kinds} inhibitory)" if kinds else ""))
    elif ec.weight is not None and (n_neg := int(np.count_nonzero(
            (w[chem] if has_gap else w) < 0))):
        notes.append(_count_note(f"signs of weight column {ec.weight!r}", n_neg,
                                 int(np.count_nonzero(chem))))
    elif neuron_nt is not None:
        nt_used = True
        nt = _presynaptic_nt(neuron_nt, src)
        unknown = chem & _blank_transmitters(nt)
        if unknown.any():
            # the same documented choice as a blank transmitter column, said aloud with the
            # neurons' IDs: a neuron missing from the table (or blank in it) is excitatory
            who = pd.unique(src[unknown])
            msg = (f"neuron_nt has no transmitter for {len(who)} presynaptic neuron(s), e.g. "
                   f"{who[:8].tolist()} ({int(unknown.sum())} chemical row(s)): missing "
                   "from the table or blank there, their synapses are taken as excitatory; "
                   "add them to the table (or drop their rows) to choose")
            warnings.warn(msg, MissingTransmitterWarning, stacklevel=2)
            notes.append(f"{int(unknown.sum())} chemical rows from {len(who)} neurons without "
                         "a transmitter taken as excitatory")
        sg = neurotransmitter_signs(nt, inhibitory_nt)
        w = np.where(chem, np.abs(w) * sg, w)
        kinds = ", ".join(str(v) for v in pd.unique(nt[chem & (sg < 0)])[:6])
        notes.append(_sign_note("the presynaptic neurons' transmitters", sg[chem])
                     + (f" ({kinds} inhibitory)" if kinds else ""))
    else:
        notes.append("every synapse excitatory (no sign or transmitter column)")
    if neuron_nt is not None and not nt_used:
        # given, but the edge list's own signs took precedence: said, not ignored in silence
        if ec.sign is not None or ec.nt is not None:
            kw, col = ("sign_col", ec.sign) if ec.sign is not None else ("nt_col", ec.nt)
            where = (f"its {'sign' if kw == 'sign_col' else 'transmitter'} column {col!r}; "
                     f"pass {kw}=False to sign by neuron_nt instead")
        else:
            where = (f"the signs of its weight column {ec.weight!r}; give unsigned weights "
                     "to sign by neuron_nt instead")
        warnings.warn(f"{NEURON_NT_UNUSED}: the edge list's signs come from {where}",
                      UserWarning, stacklevel=2)
    if has_gap and (w[electrical] < 0).any():
        raise ParameterError(f"electrical rows with negative weights in {ec.weight!r}; "
                             "gap-junction conductances are >= 0")
    delay = None
    if ec.delay is not None:
        delay = pd.to_numeric(df[ec.delay], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(delay) | (delay < 0)
        if bad.any():
            rows = df.index[np.flatnonzero(bad)[:10]].tolist()
            raise ParameterError(f"delay column {ec.delay!r} has NaN, inf, negative or "
                                 f"non-numeric values (ms) in rows {rows}")
    el = EdgeList(src, tgt, w, delay, electrical, ec, notes)
    log.info("%s", "; ".join(notes))
    return el


def _check_signed_weights(df, weight_col, w, chem, sg, where, keyword):
    """Refuse weights that already carry signs which ``sg`` contradicts: |weight| * sign
    would silently turn an inhibitory row excitatory (or the reverse)."""
    if weight_col is None:
        return
    clash = chem & (w != 0) & (np.sign(w) != sg)
    if (w[chem] < 0).any() and clash.any():
        rows = df.index[np.flatnonzero(clash)[:10]].tolist()
        raise ParameterError(
            f"weight column {weight_col!r} already has signs (negative weights), and they "
            f"disagree with the {where} in {int(clash.sum())} row(s), e.g. rows {rows}; "
            f"pass {keyword}=False to keep the weights' own signs, or give unsigned weights "
            "(synapse counts) with the sign column")


def _blank_transmitters(values) -> np.ndarray:
    """True where a transmitter is missing: NaN/None or a blank string."""
    text = pd.Series(values, dtype=object)
    return (text.isna() | text.astype(str).str.strip().eq("")).to_numpy()


def _presynaptic_nt(neuron_nt: pd.Series, src: np.ndarray) -> np.ndarray:
    """Transmitter of each row's presynaptic neuron (object array, '' when unknown)."""
    if isinstance(neuron_nt, pd.DataFrame):
        raise ParameterError(
            f"neuron_nt is a whole table (columns {list(neuron_nt.columns)[:8]}); pass its "
            "transmitter column, e.g. neuron_nt=table['nt_type']")
    if not isinstance(neuron_nt, pd.Series):
        raise ParameterError(f"neuron_nt must be a pandas Series of transmitter names indexed "
                             f"by neuron ID, not {type(neuron_nt).__name__}")
    idx = as_ids(neuron_nt.index, what="neuron_nt's IDs")
    table = pd.Series(neuron_nt.to_numpy(dtype=object), index=pd.Index(idx, dtype=idx.dtype))
    if table.index.has_duplicates:
        dup = table.index[table.index.duplicated()][:5].tolist()
        raise ParameterError(f"neuron_nt lists neurons {dup} more than once")
    # transmitters are names: a number or a boolean (a 0/1 'inhibitory' flag, a code) would
    # match no inhibitory name and turn every synapse excitatory without a word
    odd = table.map(lambda v: not (isinstance(v, str) or (np.ndim(v) == 0
                                                          and bool(pd.isna(v)))))
    if odd.any():
        who = table.index[odd.to_numpy()][:5].tolist()
        vals = table[odd.to_numpy()].iloc[:5].tolist()
        raise ParameterError(
            f"neuron_nt has values that are not transmitter names for {int(odd.sum())} "
            f"neuron(s), e.g. {who} ({vals}); give names such as 'GABA' or 'ACH' (blank for "
            "unknown)")
    if len(table) and len(src) and (table.index.dtype.kind == "O") != (src.dtype.kind == "O"):
        raise IDError(f"neuron_nt's IDs (e.g. {table.index[:3].tolist()}) and the edge "
                      f"list's IDs (e.g. {pd.unique(src)[:3].tolist()}) are of different "
                      "kinds (strings vs integers); they would never match")
    nt = table.reindex(pd.Index(src)).fillna("").to_numpy(dtype=object)
    return nt


def _sign_note(where: str, signs: np.ndarray) -> str:
    return _count_note(where, int(np.count_nonzero(signs < 0)), signs.size)


def _count_note(where: str, n_inh: int, n_chem: int) -> str:
    return f"{n_inh} of {n_chem} chemical rows inhibitory from {where}"


# ----------------------------------------------------------------------------- neuron tables
#: neuron ID columns of neuron tables (FlyWire ``root_id``, neuPrint ``bodyId``, ...)
NEURON_ID_NAMES = ("neuron_id", "root_id", "pt_root_id", "bodyid", "body_id", "skid", "id",
                   "neuron", "name")


def read_neuron_table(table, id_col=None) -> pd.DataFrame:
    """A per-neuron table (labels, cell types, transmitters) indexed by exact neuron IDs.

    Parameters
    ----------
    table : DataFrame, str or Path
        CSV (``.csv``, ``.csv.gz``, ``.tsv``) or parquet, e.g. FlyWire Codex ``neurons.csv``
        (``root_id``, ``nt_type``, ...) or a table with a ``neuron_id`` column.
    id_col : str, optional
        The ID column; detected from :data:`NEURON_ID_NAMES` when None.

    Returns
    -------
    pandas.DataFrame
        Indexed by neuron ID (int64, uint64 or str, never float), named ``neuron_id``.

    Raises
    ------
    ParameterError
        No ID column, duplicate IDs, or an unreadable file (naming the path).
    """
    if isinstance(table, pd.DataFrame):
        df, where = table, "the neuron table"
    else:
        path = Path(table)
        if not path.exists():
            raise FileNotFoundError(f"neuron table {path} does not exist")
        where = f"neuron table {path}"
        suf = "".join(path.suffixes[-2:]).lower()
        if suf.endswith((".parquet", ".pq")):
            df = _read_binary(path, pd.read_parquet, "parquet")
        else:
            sep = "\t" if ".tsv" in suf else ","
            _, skip, sep = _sniff_csv(path, sep)
            opts = dict(sep=sep, skiprows=skip, skipinitialspace=True,
                        compression=_compression(path))
            head = pd.read_csv(path, nrows=0, **opts)
            col = id_col or _first(head, NEURON_ID_NAMES)
            try:   # the ID column as text, converted exactly below
                df = pd.read_csv(path, dtype={col: str} if col else None,
                                 keep_default_na=True, **opts)
            except (pd.errors.ParserError, ValueError) as e:
                raise ParameterError(f"{where}: cannot be parsed ({e})") from None
            if col is not None and col in df.columns:
                s = df[col] = _strip_ids(df[col])
                if s.isna().any():
                    raise IDError(f"{where}: column {col!r} has rows without an ID")
                if s.str.fullmatch(r"[+-]?\d+").all():
                    df[col] = as_ids([int(v) for v in s], what=f"column {col!r} of {where}")
                elif s.map(_is_number).all():   # '12.0' is 12 as in edge lists; '7.2E+17'
                    df[col] = as_ids(pd.to_numeric(s).to_numpy(),  # (Excel) is refused, not
                                     what=f"column {col!r} of {where}")  # the ID '7.2E+17'
    col = id_col or _first(df, NEURON_ID_NAMES)
    if col is None or col not in df.columns:
        raise ParameterError(f"{where} has no neuron ID column (one of "
                             f"{', '.join(NEURON_ID_NAMES)}); its columns are "
                             f"{[str(c) for c in df.columns]}")
    idx = as_ids(df[col], what=f"column {col!r} of {where}")
    out = df.drop(columns=[col])
    out.index = pd.Index(idx, dtype=idx.dtype, name="neuron_id")
    if out.index.has_duplicates:
        dup = out.index[out.index.duplicated()][:5].tolist()
        raise ParameterError(f"{where} lists neuron(s) {dup} more than once")
    return out


def transmitter_column(table: pd.DataFrame):
    """Name of the transmitter column of a neuron table (:data:`NT_NAMES`), or None.

    Parameters
    ----------
    table : pandas.DataFrame
        A neuron table, e.g. from :func:`read_neuron_table`.
    """
    return _first(table, NT_NAMES)
