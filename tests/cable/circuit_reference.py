"""NEURON twin of a Circuit, built by hand (oracle for the circuit parity tests).

Each cell is built with :func:`nrn_reference.build_neuron` (sections and pt3d points from our
geometry, mechanisms, point processes, records and detectors from the cell's description);
the circuit's synapses become ``h.Exp2Syn`` objects on the postsynaptic segments and
``h.NetCon(pre_seg._ref_v, syn, sec=pre_sec)`` with the same threshold, weight and delay.
"""

from __future__ import annotations

from nrn_reference import build_neuron, teardown


def build_circuit_neuron(circuit):
    """Return ``{neuron_id: ref}`` plus the circuit-level NEURON objects under key ``None``."""
    from neuron import h

    refs = {nid: build_neuron(m) for nid, m in circuit.models.items()}
    syns = {}
    for nid, lst in circuit._syn.items():
        seg_of = refs[nid]["seg_of"]
        out = []
        for s in lst:
            tau1, tau2, e = s["params"][:3]
            syn = h.Exp2Syn(seg_of(s["comp"]))
            syn.tau1, syn.tau2, syn.e = tau1, tau2, e
            out.append(syn)
        syns[nid] = out
    ncs = []
    for nc in circuit._netcons:
        ref = refs[nc["pre"]]
        g = circuit[nc["pre"]].geometry
        sec = ref["secs"][int(g.section[nc["det_comp"]])]
        con = h.NetCon(ref["seg_of"](nc["det_comp"])._ref_v, syns[nc["post"]][nc["syn"]], sec=sec)
        con.threshold = nc["threshold"]
        con.weight[0] = nc["weight"]
        con.delay = nc["delay"]
        ncs.append(con)
    refs[None] = {"syns": syns, "netcons": ncs}
    return refs


def teardown_circuit(refs):
    """Delete every NEURON object of :func:`build_circuit_neuron` and reset globals."""
    refs[None].clear()
    for nid in [k for k in refs if k is not None]:
        teardown(refs[nid])
    refs.clear()
