"""Acceptance: real reconstructions read here agree with NEURON's own Import3d reading.

Each file in ``data/morphologies/`` (every soma kind: single point, NeuroMorpho.Org three-point,
soma sections, Neurolucida contour in ASC and HDF5, none) is read twice:

* by NEURON 9 as its users do (``h.Import3d_SWC_read`` / ``h.Import3d_Neurolucida3`` +
  ``h.Import3d_GUI(reader, 0).instantiate(cell)``, see ``import3d_reference.py``), with nseg
  from NEURON's d_lambda rule (``lambda_f``, d_lambda = 0.1 at 100 Hz);
* by ``CompartmentModel(path, d_lambda=0.1)`` with the default soma convention.

Checks: the same sections (NEURON names, parents, connection points, 3-D points) and the same
nseg in every section (read back from NEURON); passive (pas everywhere, a current step at
soma(0.5)): soma RMS < 0.05 mV and input resistance within 0.5 %, two distal tips recorded;
hh everywhere with exact rates (``usetable_hh = 0``), 150 ms of repetitive firing: the same
number of spikes and spike times within 0.2 ms at the soma and at the two tips.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

neuron = pytest.importorskip("neuron")

from connectome_sim.cable import CompartmentModel  # noqa: E402
from connectome_sim.morphology import build_geometry  # noqa: E402
from connectome_sim.morphology.skeleton import _units_scale  # noqa: E402

from import3d_reference import neuron_import3d, set_d_lambda  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "data" / "morphologies"
RA, CM, D_LAMBDA, FREQ = 150.0, 1.0, 0.1, 100.0
TSTOP = 150.0

# file, units, passive step (nA), hh step (nA), soma kind connectome_sim must report
CASES = [
    ("c91662.swc", None, 0.05, 1.0, "three-point (NeuroMorpho.Org)"),
    ("n120.swc", None, 0.1, 1.0, "soma sections"),
    ("n120_single_point_soma.swc", None, 0.1, 1.0, "single point"),
    ("bio_neuron-000.asc", None, 0.05, 1.0, "contour"),
    ("bio_neuron-001.h5", None, 0.05, 0.3, "contour"),
    ("hemibrain_722817260.swc", "8 nm", 0.01, 0.1, "none"),
    ("hemibrain_1734350788_soma_root.swc", None, 0.005, 0.05, "single point"),
]
IDS = [c[0] for c in CASES]


def _neuron_path(name, units, tmp):
    """The file NEURON reads: the file itself, or a µm copy (same float64 numbers as our
    reading: each coordinate and radius times the same scale)."""
    path = DATA / name
    if units is None:
        return str(path)
    scale = _units_scale(units)
    out = []
    for line in path.read_text().splitlines():
        t = line.split()
        if not t or t[0].startswith("#"):
            out.append(line)
            continue
        out.append(" ".join(t[:2] + [repr(float(v) * scale) for v in t[2:6]] + t[6:7]))
    dst = Path(tmp) / name
    dst.write_text("\n".join(out) + "\n")
    return str(dst)


def _short(sec):
    return sec.name().split(".", 1)[-1]


def _tips(h, secs, soma):
    """Two distal tips: the leaf farthest from soma(0.5) and the median-distance leaf."""
    h.distance(0, soma(0.5))
    leaves = sorted((s for s in secs.values() if len(s.children()) == 0),
                    key=lambda s: -h.distance(s(1)))
    return [_short(leaves[0]), _short(leaves[len(leaves) // 2])]


def _run(name, units, kind, amp):
    from neuron import h

    with tempfile.TemporaryDirectory() as tmp:
        cell, secs = neuron_import3d(_neuron_path(name, units, tmp))
    soma = secs.get("soma[0]", next(iter(secs.values())))
    nrn_nseg = set_d_lambda(secs, D_LAMBDA, FREQ, RA, CM)
    kw = {} if units is None else {"units": units}
    model = CompartmentModel(str(DATA / name), d_lambda=D_LAMBDA, Ra=RA, cm=CM, **kw)
    ours_nseg = dict(zip(model.geometry.sections["name"], model.geometry.sections["nseg"]))
    tip1, tip2 = _tips(h, secs, soma)
    locs = {"soma": f"{_short(soma)}(0.5)", "tip1": f"{tip1}(1)", "tip2": f"{tip2}(1)"}
    for sec in secs.values():
        sec.insert(kind)
        if kind == "pas":
            for seg in sec:
                seg.pas.g, seg.pas.e = 5e-5, -65.0
    if kind == "pas":
        model.insert("pas", g=5e-5, e=-65.0)
    else:
        model.insert("hh")
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = 5.0, 1e9, amp
    model.inject_current_pulse(locs["soma"], start=5.0, duration=1e9, current=amp)
    vrec, srec, keep = {}, {}, []
    for lab, loc in locs.items():
        sec = secs[loc.split("(")[0]]
        x = float(loc.split("(")[1][:-1])
        vrec[lab] = h.Vector().record(sec(x)._ref_v)
        nc = h.NetCon(sec(x)._ref_v, None, sec=sec)
        nc.threshold = 0.0
        srec[lab] = h.Vector()
        nc.record(srec[lab])
        keep.append(nc)
        model.add_voltage_record(loc, label=lab)
        model.add_spike_detector(loc, threshold=0.0, label=lab)
    h.dt, h.steps_per_ms, h.celsius, h.usetable_hh, h.secondorder = 0.025, 40.0, 6.3, 0, 0
    h.finitialize(-65.0)
    h.continuerun(TSTOP)
    model.run_simulation(TSTOP, v_init=-65.0, dt=0.025)
    out = {"nrn_nseg": nrn_nseg, "ours_nseg": ours_nseg, "v": {}, "spikes": {}}
    for lab in locs:
        out["v"][lab] = (np.array(vrec[lab]), model.records["v"][lab].to_numpy())
        sp = model.spikes
        out["spikes"][lab] = (np.array(srec[lab].to_python(), float), sp[sp.label == lab].time.to_numpy())
    h.usetable_hh = 1
    del keep, stim, cell, secs
    return out, model


@pytest.mark.parametrize("name,units,amp_pas,amp_hh,kind", CASES, ids=IDS)
def test_sections_equal_neuron(name, units, amp_pas, amp_hh, kind):
    """Same sections, parents, connection points and 3-D points as NEURON's Import3d."""
    with tempfile.TemporaryDirectory() as tmp:
        cell, secs = neuron_import3d(_neuron_path(name, units, tmp))
    g = build_geometry(str(DATA / name), d_lambda=D_LAMBDA, Ra=RA, cm=CM,
                       **({} if units is None else {"units": units}))
    assert g.convention == "neuron" and g.soma_kind == kind
    names = g.sections["name"].tolist()
    assert sorted(names) == sorted(secs)
    for k, nm in enumerate(names):
        sec = secs[nm]
        row = g.sections.iloc[k]
        ps = sec.parentseg()
        if ps is None:
            assert row.parent_section == -1
        else:
            assert names[int(row.parent_section)] == _short(ps.sec), nm
            assert row.parent_x == ps.x, nm
        theirs = np.array([[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)]
                           for i in range(sec.n3d())])
        ours = np.asarray(g.pt3d[k])
        assert ours.shape == theirs.shape, nm
        # NEURON stores float32 points: agreement to float32 rounding
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-5, err_msg=nm)
    del cell, secs


@pytest.mark.parametrize("name,units,amp_pas,amp_hh,kind", CASES, ids=IDS)
def test_passive_equal_neuron(name, units, amp_pas, amp_hh, kind):
    out, model = _run(name, units, "pas", amp_pas)
    assert out["ours_nseg"] == out["nrn_nseg"]
    rms = {lab: float(np.sqrt(np.mean((a - b) ** 2))) for lab, (a, b) in out["v"].items()}
    a, b = out["v"]["soma"]
    rin_nrn, rin_ours = (a[-1] - a[0]) / amp_pas, (b[-1] - b[0]) / amp_pas
    print(name, "RMS (mV):", rms, "Rin (MΩ) NEURON / ours:", rin_nrn, rin_ours)
    assert rms["soma"] < 0.05, rms
    assert max(rms["tip1"], rms["tip2"]) < 0.05, rms
    assert abs(rin_ours / rin_nrn - 1) < 0.005, (rin_nrn, rin_ours)


@pytest.mark.parametrize("name,units,amp_pas,amp_hh,kind", CASES, ids=IDS)
def test_hh_spikes_equal_neuron(name, units, amp_pas, amp_hh, kind):
    out, model = _run(name, units, "hh", amp_hh)
    assert out["ours_nseg"] == out["nrn_nseg"]
    for lab, (theirs, ours) in out["spikes"].items():
        print(name, lab, "spikes NEURON / ours:", len(theirs), len(ours))
        assert len(ours) == len(theirs), (lab, theirs, ours)
        if lab == "soma":
            assert len(theirs) >= 5, "the step must drive repetitive firing at the soma"
        if len(theirs):
            assert np.abs(ours - theirs).max() < 0.2, (lab, theirs, ours)
