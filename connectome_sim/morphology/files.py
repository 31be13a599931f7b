"""Morphology files: SWC (read here, line by line) and Neurolucida ASC / HDF5 (through MorphIO).

The SWC reader keeps what NEURON's Import3d needs and navis's reader drops: the file order,
the SWC type of every point and the line each point came from (for error messages).  ASC and
HDF5 are parsed by MorphIO (Blue Brain Project's maintained reader); NEURON's Import3d rules
are applied afterwards by :mod:`connectome_sim.morphology.import3d`.

Units: coordinates and radii as written in the file (µm by the SWC convention); a navis
``# Meta: {"units": ...}`` header line is honoured.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import SkeletonError
from ..ids import as_ids

__all__ = ["SwcFile", "MorphioFile", "read_swc_file", "read_morphio_file", "MORPHIO_SUFFIXES",
           "SWC_SUFFIXES"]

SWC_SUFFIXES = (".swc",)
MORPHIO_SUFFIXES = (".asc", ".h5")
#: SWC columns, in order (Cannon et al. 1998; radius, not diameter)
SWC_COLUMNS = ("id", "type", "x", "y", "z", "radius", "parent")


@dataclass
class SwcFile:
    """The data lines of an SWC file, in file order.

    Attributes
    ----------
    nodes : pandas.DataFrame
        ``node_id``, ``parent_id`` (-1 for a root), ``x``, ``y``, ``z``, ``radius`` (file
        units) and ``label`` (the SWC type, int64, named as navis names it).
    line : numpy.ndarray of int64
        1-based line number of each row.
    units : str or None
        Units declared by a navis ``# Meta:`` header line, if any.
    path : str
        The file.
    notes : list of str
        What the reader ignored (extra columns).
    """

    nodes: pd.DataFrame
    line: np.ndarray
    units: str | None
    path: str
    notes: list = field(default_factory=list)


def _read_text(path: str, what: str) -> str:
    """The file as text; binary files and undecodable bytes are refused naming the path."""
    if not os.path.exists(path):
        raise SkeletonError(f"{what} file {path!r} does not exist.")
    if os.path.isdir(path):
        raise SkeletonError(f"{path!r} is a folder, not a {what} file.")
    with open(path, "rb") as f:
        raw = f.read()
    if b"\x00" in raw[:65536]:
        at = raw.index(b"\x00")
        raise SkeletonError(
            f"{path!r} is not a text file (NUL byte at offset {at}); an {what} file is plain "
            "text. Did you pass a binary (e.g. .h5, .npz, .parquet) file under a .swc name?")
    if raw.startswith(b"\xef\xbb\xbf"):     # a UTF-8 byte-order mark (Windows editors)
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        # Latin-1 comments are common in old files; data lines must be ASCII anyway
        text = raw.decode("latin-1")
        bad = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
        if bad.lstrip().startswith("#"):
            return text
        raise SkeletonError(f"{path!r} line {line}: bytes that are not UTF-8 text "
                            f"({bad[:60]!r}); is this really an {what} file?") from None


def _header_units(header: list[str]) -> str | None:
    """Units from a navis ``# Meta: {...}`` header line, e.g. '8 nanometer'."""
    for h in header:
        m = re.match(r"#\s*Meta:\s*(\{.*\})\s*$", h)
        if m:
            try:
                meta = json.loads(m.group(1))
            except ValueError:
                continue
            u = meta.get("units") if isinstance(meta, dict) else None
            if isinstance(u, str) and u.strip() and u.strip().lower() not in ("none", "null"):
                return u.strip()
    return None


def _parse_int_column(tokens: list[str], name: str, lines: np.ndarray, path: str) -> np.ndarray:
    """Exact integers from text (IDs above 2**53 keep every digit); '3.0' is accepted."""
    out = []
    for k, t in enumerate(tokens):
        try:
            out.append(int(t))
            continue
        except ValueError:
            pass
        try:
            v = float(t)
        except ValueError:
            v = np.nan
        if not np.isfinite(v) or v != int(v) or abs(v) > 2 ** 53:
            raise SkeletonError(f"{path!r} line {int(lines[k])}: the SWC {name} {t!r} is not a "
                                "whole number (columns: id type x y z radius parent).")
        out.append(int(v))
    return out


def read_swc_file(path) -> SwcFile:
    """Read an SWC file: 7 whitespace-separated columns ``id type x y z radius parent``.

    Comment lines start with ``#``; text after a ``#`` on a data line and columns after the
    seventh are ignored, as NEURON's Import3d ignores them.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    SwcFile

    Raises
    ------
    SkeletonError
        Naming the line: a binary or non-text file, a line with fewer than 7 columns (or a
        comma-separated file), a value that is not a number, an ID, type or parent that is
        not a whole number, a file without data lines.
    """
    path = os.fspath(path)
    text = _read_text(path, "SWC")
    header, rows, lines, extra = [], [], [], []
    for k, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s:
            continue
        if s.startswith("#"):
            header.append(s)
            continue
        toks = s.split("#", 1)[0].split()
        if len(toks) < 7:
            hint = (" It looks comma-separated: SWC columns are separated by spaces "
                    "(read a CSV node table with pandas and pass the DataFrame)."
                    if "," in s else "")
            raise SkeletonError(
                f"{path!r} line {k}: expected 7 columns (id type x y z radius parent), found "
                f"{len(toks)}: {s[:80]!r}.{hint}")
        if len(toks) > 7:
            extra.append(k)
        rows.append(toks[:7])
        lines.append(k)
    if not rows:
        raise SkeletonError(f"{path!r} has no data lines (only {len(header)} comment line(s)); "
                            "an SWC file lists one node per line: id type x y z radius parent.")
    line = np.asarray(lines, dtype=np.int64)
    cols = list(zip(*rows))
    try:
        num = np.array([cols[2], cols[3], cols[4], cols[5]], dtype=np.float64)
    except ValueError:
        for c, name in zip((2, 3, 4, 5), ("x", "y", "z", "radius")):
            for k, t in enumerate(cols[c]):
                try:
                    float(t)
                except ValueError:
                    raise SkeletonError(
                        f"{path!r} line {int(line[k])}: the {name} value {t!r} is not a number "
                        "(columns: id type x y z radius parent).") from None
        raise
    bad = ~np.isfinite(num)
    if bad.any():
        c, k = np.argwhere(bad)[0]
        raise SkeletonError(f"{path!r} line {int(line[k])}: the {('x', 'y', 'z', 'radius')[c]} "
                            f"value is {num[c, k]}; coordinates and radii must be finite.")
    ids = as_ids(_int_array(_parse_int_column(list(cols[0]), "id", line, path)), "SWC id")
    types = np.asarray(_parse_int_column(list(cols[1]), "type", line, path), dtype=np.int64)
    parent = _parse_int_column(list(cols[6]), "parent", line, path)
    nodes = pd.DataFrame({"node_id": ids, "parent_id": _parent_column(parent, ids),
                          "x": num[0], "y": num[1], "z": num[2], "radius": num[3],
                          "label": types})
    notes = []
    if extra:
        notes.append(f"ignored the columns after the seventh on {len(extra)} line(s) (first: "
                     f"line {extra[0]}), as NEURON's Import3d does")
    return SwcFile(nodes=nodes, line=line, units=_header_units(header), path=path, notes=notes)


def _int_array(values: list) -> np.ndarray:
    """int64 array, or an object array when some value does not fit (IDs above 2**63)."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return arr


def _parent_column(parent: list, ids: np.ndarray):
    """Parent IDs in the node IDs' dtype, -1 (or any negative) for roots."""
    if ids.dtype == np.uint64:
        # -1 and IDs above 2**63 share no integer dtype: keep Python ints
        return pd.Series(parent, dtype=object)
    arr = _int_array(parent)
    return arr if arr.dtype == np.int64 else pd.Series(parent, dtype=object)


# ------------------------------------------------------------------------------ MorphIO
@dataclass
class MorphioFile:
    """A Neurolucida ASC or HDF5 morphology as MorphIO reads it.

    ``sections`` lists, in MorphIO's (file) order, dicts with ``points`` (k, 3), ``diameters``
    (k,), ``type`` (int, SWC numbering), ``parent`` (section index or -1).  A child section's
    first point is its attachment point: the parent's last point, with the child's own first
    diameter (MorphIO adds it when the file omits it, exactly as Import3d does).
    ``soma_points`` (m, 3) and ``soma_diameters`` hold the soma as written; ``soma_type`` is
    MorphIO's name for it (e.g. ``'SOMA_SIMPLE_CONTOUR'``).
    """

    sections: list
    soma_points: np.ndarray
    soma_diameters: np.ndarray
    soma_type: str
    path: str
    notes: list = field(default_factory=list)


def read_morphio_file(path) -> MorphioFile:
    """Read a Neurolucida ASC or HDF5 morphology with MorphIO.

    Raises
    ------
    SkeletonError
        If MorphIO cannot read the file (its message and the path are given).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise SkeletonError(f"morphology file {path!r} does not exist.")
    try:
        import morphio
    except ImportError as exc:  # pragma: no cover - MorphIO is a dependency
        raise SkeletonError("reading ASC/HDF5 morphologies needs MorphIO: pip install "
                            "morphio") from exc
    if path.lower().endswith(".asc"):
        _read_text(path, "Neurolucida ASC")  # binary or undecodable files: a clear error
    try:
        with _c_stderr() as said:
            m = morphio.Morphology(path)
    except Exception as exc:  # MorphIO raises its own RawDataError/UnknownFileType...
        msg = " ".join(_ANSI.sub("", str(exc)).split())
        raise SkeletonError(f"{path!r}: MorphIO cannot read it ({type(exc).__name__}: "
                            f"{msg[:300]})") from None
    notes = []
    if "Float64 -> Float32" in said.text:
        notes.append("MorphIO read the file's double-precision points in single precision "
                     "(as NEURON stores 3-D points)")
    sections = []
    secs = list(m.sections)
    order = {s.id: k for k, s in enumerate(secs)}
    for s in secs:
        sections.append({"points": np.asarray(s.points, dtype=np.float64),
                         "diameters": np.asarray(s.diameters, dtype=np.float64),
                         "type": int(s.type),
                         "parent": -1 if s.is_root else order[s.parent.id]})
    return MorphioFile(sections=sections,
                       soma_points=np.asarray(m.soma.points, dtype=np.float64).reshape(-1, 3),
                       soma_diameters=np.asarray(m.soma.diameters, dtype=np.float64),
                       soma_type=str(m.soma_type).split(".")[-1], path=path, notes=notes)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _Said:
    text = ""


@contextlib.contextmanager
def _c_stderr():
    """Capture what C/C++ code writes to file descriptor 2 (HDF5/HighFive print warnings
    there) so that it becomes a note instead of a stray line in the user's terminal."""
    said = _Said()
    try:
        fd = os.dup(2)
    except OSError:  # pragma: no cover - no fd 2 (embedded interpreters)
        yield said
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield said
        finally:
            os.dup2(fd, 2)
            os.close(fd)
            tmp.seek(0)
            said.text = tmp.read().decode("utf-8", "replace")
