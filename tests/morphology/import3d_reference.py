"""NEURON's own Import3d path (the oracle for the morphology parity tests).

``neuron_import3d(path)`` reads a file exactly as NEURON users do::

    reader = h.Import3d_SWC_read()            # or h.Import3d_Neurolucida3() for .asc
    reader.input(path)
    h.Import3d_GUI(reader, 0).instantiate(cell)

HDF5 files (which NEURON 9 cannot read) are first written as Neurolucida ASC by MorphIO,
and that file is read by Import3d.  Nothing here uses connectome_sim's reading.
"""

from __future__ import annotations

import os
import tempfile


class Cell:
    """Empty Python object for Import3d to instantiate sections into (``cell.all`` etc.)."""

    def __repr__(self):
        return "cell"


def _h():
    from neuron import h
    h.load_file("stdrun.hoc")
    h.load_file("import3d.hoc")
    return h


def neuron_import3d(path):
    """Instantiate ``path`` with NEURON's Import3d; returns (cell, {short name: section})."""
    h = _h()
    path = os.fspath(path)
    if path.lower().endswith(".h5"):
        import morphio.mut
        tmp = os.path.join(tempfile.mkdtemp(), os.path.basename(path)[:-3] + ".asc")
        morphio.mut.Morphology(path).write(tmp)
        path = tmp
    reader = h.Import3d_SWC_read() if path.lower().endswith(".swc") else h.Import3d_Neurolucida3()
    reader.quiet = 1
    reader.input(path)
    cell = Cell()
    h.Import3d_GUI(reader, 0).instantiate(cell)
    secs = {s.name().split(".", 1)[-1]: s for s in cell.all}
    return cell, secs


def set_d_lambda(secs, d_lambda, freq, Ra, cm):
    """NEURON's d_lambda rule (fixnseg.hoc with ``lambda_f``) on every section; returns the
    nseg NEURON chose, by section name."""
    h = _h()
    out = {}
    for name, sec in secs.items():
        sec.Ra, sec.cm = Ra, cm
        lam = h.lambda_f(freq, sec=sec)
        sec.nseg = int((sec.L / (d_lambda * lam) + 0.9) / 2) * 2 + 1
        out[name] = sec.nseg
    return out
