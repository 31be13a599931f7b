"""Compile a :class:`PointNetwork` description into the engine's arrays (indices, no IDs).

Neurons are put in *engine order*: grouped by model (groups in model-code order), each group
in its network order, and each group cut into lanes (see :mod:`connectome_sim.engine.network`).
Edges are split by what their source sends:

* spikes (clock- and event-driven models): the event CSR, cut into segments per (source,
  delay, target lane), weights in the target model's unit, channel chosen by the target model
  from the weight's sign;
* a graded output onto the same group: the group's own continuous coupling (a CSR by target,
  used by the model's ``step_group``);
* a graded output onto another group: a current ``w * output`` (nA) after the edge's delay.

Gap junctions within a group go to the group (implicit for graded models); between groups
they are exchanged every step.  Units: ms, the target model's weight unit, µS (gaps), nA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine import network as eng
from ..errors import ParameterError

__all__ = ["Group", "CompiledNetwork", "compile_network", "graded_system"]

LANE_ALIGN = 64       # lanes start at multiples of this (the dense pass scans 8-byte words)


def numpy_owned(a: np.ndarray) -> np.ndarray:
    """``a``, copied into numpy-allocated memory if numba allocated it.

    Delivering a spike reads one CSR row (a random place in hundreds of MB).  On Linux numpy
    asks for transparent huge pages (``madvise``) for large arrays; numba's allocator does
    not, so with 4 KiB pages every row start also misses the TLB (a page walk, costly under
    virtualisation).  Measured on the FlyWire-scale heavy run: delivery 2.5-3x slower from
    numba-allocated rows; a random DRAM access 630 ns instead of 210 ns (loaded VM).
    """
    if a.nbytes < 1 << 22:             # (numpy advises huge pages from 4 MiB on)
        return a
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root.base is None:
        return a
    out = np.empty(a.shape, a.dtype)
    out[...] = a
    return out


@dataclass
class Group:
    """The neurons of one model: engine rows ``start:stop``, lanes ``lo[L]:hi[L]`` (group-local),
    global lane indices ``lane0:lane0 + len(lo)``."""

    model: type
    code: int
    rows: np.ndarray
    start: int
    stop: int
    lo: np.ndarray
    hi: np.ndarray
    lane0: int
    cp: tuple = ()        # continuous coupling CSR by target: (ptr, src, w)
    gp: tuple = ()        # gap junctions, symmetric CSR: (ptr, j, g µS)

    @property
    def n(self) -> int:
        return self.stop - self.start

    @property
    def n_lanes(self) -> int:
        return self.lo.size


@dataclass
class CompiledNetwork:
    """Flat arrays the engine consumes (engine rows; see the module docstring)."""

    n: int
    order: np.ndarray            # engine row -> network row
    engine_row: np.ndarray       # network row -> engine row
    groups: list
    group_of: np.ndarray         # engine row -> group index
    tgt: np.ndarray              # event edges: group-local target rows (int32)
    w: np.ndarray
    ch: np.ndarray
    ew: np.ndarray               # event edges packed: uint32 (see engine.network.edge_words)
    wtab: np.ndarray             # the weights ew points at (float64)
    wshift: int                  # bits of ew's input index (32: wtab is w)
    seg_ptr: np.ndarray
    seg_start: np.ndarray
    seg_end: np.ndarray
    seg_delay: np.ndarray
    seg_lane: np.ndarray
    n_lanes: int
    lane_event: np.ndarray
    cx_rows: np.ndarray          # cross continuous: engine rows of the sources
    cx_ptr: np.ndarray
    cx_tgt: np.ndarray           # engine rows
    cx_w: np.ndarray             # nA per unit of output
    cx_delay: np.ndarray         # ms
    xg_a: np.ndarray             # gap junctions between groups (engine rows, µS)
    xg_b: np.ndarray
    xg_g: np.ndarray
    min_delay: float             # ms, over event and cross-continuous edges (inf if none)
    identity: bool = False       # engine order == network order (one model)
    n_event_edges: int = 0
    notes: list = field(default_factory=list)

    @property
    def lanes(self) -> tuple:
        return tuple(g.n_lanes for g in self.groups)


def _lane_bounds(n, T):
    if T <= 1 or n < 2 * LANE_ALIGN:
        return np.array([0], np.int64), np.array([n], np.int64)
    step = -(-n // T)
    step = -(-step // LANE_ALIGN) * LANE_ALIGN
    lo = np.arange(0, n, step, dtype=np.int64)
    hi = np.minimum(lo + step, n)
    return lo, hi


def _scale_table(net, models):
    from .edgelist import check_scalar_scale
    from .network import pair_scale

    check_scalar_scale(net)        # set_model may have mixed weight units since it was set
    return np.array([[pair_scale(net, a, b) for b in models] for a in models])


def compile_network(net, lanes=None) -> CompiledNetwork:
    """Engine arrays of ``net``; ``lanes`` maps a model name to its number of lanes (default
    one each).  Cached on the network until its description changes."""
    lanes = dict(lanes or {})
    key = (net._version, tuple(sorted(lanes.items())))
    if net._compiled is not None and net._compiled[0] == key:
        return net._compiled[1]
    comp = _compile(net, lanes)
    net._compiled = (key, comp)
    return comp


def _compile(net, lanes) -> CompiledNetwork:
    n = net.n_neurons
    if n == 0:
        raise ParameterError("the network has no neurons; add them with add_neurons() or "
                             "build it with from_edge_list()")
    codes = net._model_of
    models = net._models
    used = np.unique(codes)
    order = np.argsort(codes, kind="stable").astype(np.int64)
    identity = used.size == 1
    engine_row = np.empty(n, np.int64)
    engine_row[order] = np.arange(n)
    groups = []
    start = 0
    lane0 = 0
    group_of = np.empty(n, np.int32)
    lane_of = np.empty(n, np.int32)
    for gi, c in enumerate(used):
        m = models[c]
        rows = order[start:start + int((codes == c).sum())]
        stop = start + rows.size
        T = int(lanes.get(m.name, 1)) if m.kind == "clock" else 1
        lo, hi = _lane_bounds(rows.size, T)
        g = Group(m, int(c), rows, start, stop, lo, hi, lane0)
        groups.append(g)
        group_of[start:stop] = gi
        for L in range(lo.size):
            lane_of[start + lo[L]:start + hi[L]] = lane0 + L
        lane0 += lo.size
        start = stop
    n_lanes = lane0
    lane_event = np.zeros(n_lanes, np.bool_)
    for g in groups:
        lane_event[g.lane0:g.lane0 + g.n_lanes] = g.model.kind == "event"
    ecode = codes[order]                      # model code by engine row
    out_graded = np.array([models[c].output == "graded" for c in range(len(models))])
    scale = _scale_table(net, models)

    # ---- chemical edges: (engine src, engine tgt, weight in target units, delay)
    parts = []
    if net._csr is not None and net._csr[1].size:
        indptr, tgt, cnt, dly = net._csr
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        t = tgt.astype(np.int64)
        if identity:
            w = cnt * scale[used[0], used[0]]
        else:
            w = cnt * scale[codes[src], codes[t]]
        parts.append((src, t, w, dly))
    for s, t, w, d, unit in net._e:
        now = codes[t]
        changed = now != unit
        if changed.any():
            bad = [(models[u].name, models[c].name) for u, c in
                   zip(unit[changed][:1], now[changed][:1])]
            if any(models[u].weight_unit != models[c].weight_unit
                   for u, c in zip(unit[changed], now[changed])):
                raise ParameterError(
                    f"connect() weights onto neuron(s) {list(net.ids[t[changed]][:5])} are in "
                    f"{bad[0][0]}'s unit but these neurons now run {bad[0][1]}; connect after "
                    "choosing the models")
        parts.append((s, t, w, d))
    if parts:
        src = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        tgt = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        w = np.concatenate([p[2] for p in parts]) if len(parts) > 1 else parts[0][2]
        dl = [p[3] for p in parts]
        if all(d.size == 1 for d in dl) and len({float(d[0]) for d in dl}) == 1:
            dly = dl[0]
        else:
            dly = np.concatenate([np.broadcast_to(d, p[0].shape) for d, p in zip(dl, parts)])
    else:
        src = tgt = np.empty(0, np.int64)
        w = np.empty(0)
        dly = np.array([1.0])
    cable = np.array([m.kind == "cable" for m in models])
    if cable.any() and src.size:
        # edges onto cable neurons become the cable engine's synapses
        # (connectome_sim.multiscale), not events of the point engine
        keep = ~cable[codes[tgt]]
        src, tgt, w = src[keep], tgt[keep], w[keep]
        if dly.size > 1:
            dly = dly[keep]
    if net._silenced.any() and src.size:
        w = np.where(net._silenced[src], 0.0, w)
    s_out_graded = out_graded[codes[src]] if src.size else np.zeros(0, bool)
    # continuous edges (graded sources)
    cont_groups = {}
    cx = (np.empty(0, np.int64), np.zeros(1, np.int64), np.empty(0, np.int64), np.empty(0),
          np.empty(0))
    if s_out_graded.any():
        gs, gt, gw = src[s_out_graded], tgt[s_out_graded], w[s_out_graded]
        gd = dly if dly.size == 1 else dly[s_out_graded]
        same = codes[gs] == codes[gt]
        for c in np.unique(codes[gs[same]]):
            sel = same & (codes[gs] == c)
            gi = int(np.searchsorted(used, c))
            g = groups[gi]
            ls = engine_row[gs[sel]] - g.start
            lt = engine_row[gt[sel]] - g.start
            o = np.argsort(lt, kind="stable")
            ptr = np.zeros(g.n + 1, np.int64)
            np.add.at(ptr, lt + 1, 1)
            cont_groups[gi] = (np.cumsum(ptr), ls[o].astype(np.int64), gw[sel][o])
        cross = ~same
        if cross.any():
            tm = [models[c] for c in np.unique(codes[gt[cross]])]
            for m in tm:
                if not m.supports_current:
                    raise ParameterError(
                        f"graded neurons cannot drive {m.name} neurons (event-driven, they take "
                        f"no current), e.g. {net.ids[gs[cross][0]]!r} -> "
                        f"{net.ids[gt[cross][0]]!r}; use a clock-driven model for the target")
            es, et = engine_row[gs[cross]], engine_row[gt[cross]]
            cd = np.broadcast_to(gd, gs.shape)[cross] if np.size(gd) > 1 else \
                np.full(es.size, float(gd[0]))
            o = np.lexsort((et, es))
            es, et, cw, cd = es[o], et[o], gw[cross][o], cd[o]
            rows_, first = np.unique(es, return_index=True)
            ptr = np.append(first, es.size).astype(np.int64)
            cx = (rows_.astype(np.int64), ptr, et.astype(np.int64), cw, cd)
        keep = ~s_out_graded
        src, tgt, w = src[keep], tgt[keep], w[keep]
        if dly.size > 1:
            dly = dly[keep]
    for gi, g in enumerate(groups):
        g.cp = cont_groups.get(gi, (np.zeros(g.n + 1, np.int64), np.empty(0, np.int64),
                                    np.empty(0)))
    # ---- event CSR in engine rows
    if identity and not net._e and src.size and not s_out_graded.any():
        indptr = net._csr[0]
        t32 = net._csr[1]
        wv = w
    else:
        es = engine_row[src] if not identity else src
        et = engine_row[tgt] if not identity else tgt
        indptr, t32, wv, dly, dup = eng.csr(n, es, et, np.ascontiguousarray(w, float),
                                                  np.ascontiguousarray(dly, float), net._dup_merge)
        if dup >= 0:
            a, b = net.ids[[src[dup], tgt[dup]]].tolist()
            raise ParameterError(f"duplicate edge {a!r} -> {b!r};"
                                 " use duplicates='sum' to add them up")
    # channels from the target's model and the weight's sign
    exc = np.array([m.synapse_channel(1) for m in models], np.int8)
    inh = np.array([m.synapse_channel(-1) for m in models], np.int8)
    tc = ecode[t32] if t32.size else np.empty(0, np.int16)
    ch = np.where(wv >= 0, exc[tc], inh[tc]).astype(np.int8) if t32.size else np.empty(0, np.int8)
    if n_lanes == 1 and dly.size == 1:
        seg_ptr = np.arange(n + 1, dtype=np.int64)
        seg_start = indptr[:-1].astype(np.int64)
        seg_end = indptr[1:].astype(np.int64)
        seg_delay = np.full(n, float(dly[0]))
        seg_lane = np.zeros(n, np.int32)
        tgt_l = t32
    else:
        tgt_l, wv, ch, seg_ptr, seg_start, seg_end, seg_delay, seg_lane = eng.lane_segments(
            indptr, t32, wv, ch, np.ascontiguousarray(dly, float), lane_of, n_lanes)
    if not identity and tgt_l.size:
        starts = np.array([g.start for g in groups], np.int64)
        sizes = np.array([g.n for g in groups], np.int64)
        gof = group_of[tgt_l]
        tgt_l = (tgt_l - starts[gof]).astype(np.int32)
        n_of = sizes[gof]
    else:
        n_of = n
    w_arr = numpy_owned(np.ascontiguousarray(wv, float))
    ew, wtab, wshift = eng.edge_words(tgt_l, ch, n_of, w_arr)  # (wtab may be w_arr itself)
    # ---- gap junctions
    xg = _gaps(net, groups, engine_row, group_of, codes, models)
    has_ev = seg_end.size and (seg_end > seg_start).any()
    min_d = float(seg_delay[seg_end > seg_start].min()) if has_ev else np.inf
    if cx[4].size:
        min_d = min(min_d, float(cx[4].min()))
    return CompiledNetwork(
        n=n, order=order, engine_row=engine_row, groups=groups, group_of=group_of,
        tgt=numpy_owned(np.ascontiguousarray(tgt_l, np.int32)),
        w=w_arr, ch=numpy_owned(ch), ew=numpy_owned(ew), wtab=numpy_owned(wtab),
        wshift=wshift,
        seg_ptr=numpy_owned(seg_ptr), seg_start=numpy_owned(seg_start),
        seg_end=numpy_owned(seg_end), seg_delay=seg_delay, seg_lane=numpy_owned(seg_lane),
        n_lanes=n_lanes, lane_event=lane_event,
        cx_rows=cx[0], cx_ptr=cx[1], cx_tgt=cx[2], cx_w=np.ascontiguousarray(cx[3], float),
        cx_delay=np.ascontiguousarray(cx[4], float),
        xg_a=xg[0], xg_b=xg[1], xg_g=xg[2], min_delay=min_d, identity=bool(identity),
        n_event_edges=int(t32.size))


def _gap_pairs(net, codes, models):
    """Every gap junction once: (a, b, g µS) with a < b (network rows)."""
    if not net._g:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    a_, b_, g_ = [], [], []
    for a, b, v, is_count in net._g:
        a = np.asarray(a, np.int64)
        b = np.asarray(b, np.int64)
        v = np.asarray(v, float)
        if is_count:      # a junction touching a graded neuron: g_gap pS per synapse
            gr = np.array([m.name == "graded" for m in models])
            v = np.where(gr[codes[a]] | gr[codes[b]], v * net.g_gap * 1e-6, v * net.gap_weight)
        keep = a != b
        a_.append(a[keep])
        b_.append(b[keep])
        g_.append(v[keep])
    a = np.concatenate(a_)
    b = np.concatenate(b_)
    g = np.concatenate(g_)
    n = net.n_neurons
    # repeated rows of one direction add up; the two directions of a junction are averaged
    key = a * n + b
    uk, inv = np.unique(key, return_inverse=True)
    gs = np.zeros(uk.size)
    np.add.at(gs, inv, g)
    da, db = uk // n, uk % n
    lo, hi = np.minimum(da, db), np.maximum(da, db)
    pk = lo * n + hi
    up, pinv, cnt = np.unique(pk, return_inverse=True, return_counts=True)
    gp = np.zeros(up.size)
    np.add.at(gp, pinv, gs)
    gp /= cnt
    # (silencing cuts chemical output only, as Shiu et al.; gap junctions stay)
    return up // n, up % n, gp


def _gaps(net, groups, engine_row, group_of, codes, models):
    """Gap junctions into each group's ``gp`` CSR; returns those between groups."""
    a, b, g = _gap_pairs(net, codes, models)
    for gr in groups:
        gr.gp = (np.zeros(gr.n + 1, np.int64), np.empty(0, np.int64), np.empty(0))
    if a.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    for c in np.unique(np.concatenate([codes[a], codes[b]])):
        m = models[c]
        if m.voltage is None or not m.supports_current:
            k = int(np.flatnonzero((codes[a] == c) | (codes[b] == c))[0])
            pair = [x.item() if isinstance(x, np.generic) else x
                    for x in net.ids[[a[k], b[k]]]]
            who = pair[0] if codes[a[k]] == c else pair[1]
            raise ParameterError(f"model {m.name} has no membrane potential; electrical "
                                 "synapses need a voltage-based model (e.g. 'LIF', 'graded'): "
                                 f"the gap junction {pair[0]!r} - {pair[1]!r} joins neuron "
                                 f"{who!r} ({m.name})")
    ea, eb = engine_row[a], engine_row[b]
    same = group_of[ea] == group_of[eb]
    for gi, gr in enumerate(groups):
        sel = same & (group_of[ea] == gi)
        if not sel.any():
            continue
        la, lb, gg = ea[sel] - gr.start, eb[sel] - gr.start, g[sel]
        i = np.concatenate([la, lb])
        j = np.concatenate([lb, la])
        v = np.concatenate([gg, gg])
        o = np.lexsort((j, i))
        ptr = np.zeros(gr.n + 1, np.int64)
        np.add.at(ptr, i + 1, 1)
        gr.gp = (np.cumsum(ptr), j[o].astype(np.int64), v[o])
    x = ~same
    return ea[x].astype(np.int64), eb[x].astype(np.int64), g[x]


def graded_system(net, current=None, ids=None):
    """The linear system ``G v = b`` of the graded neurons at rest with every synapse at
    ``s_eq = a_r / (a_r + 2 a_d)`` (Kunert et al. 2014): returns ``(rows, G, b)`` (network
    rows, pS, pS·mV)."""
    from .models.graded import FA_PER_NA, Graded

    comp = compile_network(net)
    gi = next((k for k, g in enumerate(comp.groups) if g.model is Graded), None)
    if gi is None:
        raise ParameterError("the network has no 'graded' neurons")
    g = comp.groups[gi]
    P = {k: net._props["graded"][k][g.rows] for k in Graded.params}
    ar = np.where(np.isnan(P["a_r"]), np.inf, P["a_r"])
    s_eq = np.where(np.isinf(ar), 0.5, ar / (ar + 2 * P["a_d"]))
    n = g.n
    G = np.diag(P["g_leak"].astype(float))
    b = P["g_leak"] * P["e_leak"]
    ptr, src, w = g.cp
    for i in range(n):
        for e in range(ptr[i], ptr[i + 1]):
            gs = abs(w[e]) * s_eq[src[e]]
            G[i, i] += gs
            b[i] += gs * (P["e_exc"][i] if w[e] >= 0 else P["e_inh"][i])
    gptr, gj, gg = g.gp
    for i in range(n):
        for e in range(gptr[i], gptr[i + 1]):
            G[i, i] += gg[e] * 1e6
            G[i, gj[e]] -= gg[e] * 1e6
    if current is not None:
        b = b + FA_PER_NA * np.asarray(current, float)
    return g.rows, G, b
