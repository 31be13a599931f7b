"""Point-network engine: the model-independent kernels and the loader of the per-model ones.

Numpy and numba only; no IDs, no pandas.  Units: ms, mV, nA (plus each model's own weight
unit).

Layout
------
Neurons are numbered in *engine order*: grouped by model, each group a contiguous range of
rows, and each group split into one or more *lanes* (contiguous row ranges a thread advances
on its own).  A group's state ``S``, parameters ``P`` and summed input ``I`` are the arrays of
its model's contract (:mod:`connectome_sim.network.models.base`), indexed by group-local row.

Spikes travel through a CSR of the event edges by source row whose rows are cut into
*segments* of equal delay and equal target lane, so that a spike is queued once per
(source, delay, lane), never per edge.  Each lane has a ring buffer of segment indices with
one slot per time step (``rb[lane, slot, :rb_n[lane, slot]]``, each entry the segment's edge
range ``(start, end)``, so that delivering needs no look-up of segment tables) and, for
event-driven targets, the exact arrival time of each entry (``rb_t``).  Clock-driven kernels
deliver in their dense pass from the packed form of the edges (:func:`edge_words`: one uint32
per edge, input index and weight code, 4 bytes per event); the other passes and kernels read
the target, channel and weight arrays.

Epochs
------
Time advances in *epochs* of ``E`` steps, ``E`` = the shortest delay in steps (Morrison et al.
2005; the "min-delay" communication interval of NEST and Arbor).  A spike emitted inside an
epoch cannot arrive before the epoch ends, so within an epoch every lane runs alone: lanes of
one group run in parallel threads, and groups of different models run one after another,
each by its own compiled kernel (``templates/network_*.py.j2``).  After each epoch
:func:`route` queues the epoch's spikes, in (step, engine row) order, into the target lanes'
rings.  That order, and every decision the kernels take (dense or sparse pass), depends on
the simulated state only, never on the number of lanes, so a run gives the same bits on one
thread or several.  Continuous (graded) outputs into other groups and gap junctions between
groups are exchanged by :func:`route` as well (the latter with ``E = 1``).
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import threading

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["build_csr", "build_csr_ranked", "csr", "csr_ranked", "lane_segments", "factorize_ints", "route", "kernel",
           "STATUS_OK", "STATUS_MAX_SPIKES", "STATUS_RUNAWAY", "STATUS_NONFINITE",
           "STATUS_MEMORY", "BLOCK", "edge_words", "DENSE_RATIO", "WAKE_COST", "PAR_WORK"]

STATUS_OK = 0
STATUS_MAX_SPIKES = 1
STATUS_RUNAWAY = 2
STATUS_NONFINITE = 3
STATUS_MEMORY = 4
#: internal: the spike table or a ring needs room (see :func:`route`)
STATUS_GROW = 7

# Choice between the sparse pass (awake neurons only) and the dense pass (the model's
# ``step_all`` over every neuron, vectorised), taken for a whole group every ~BLOCK steps from
# the work of the block.  Costs measured on the larva LIF network: a neuron in the dense pass
# ~1-1.5 ns; an awake neuron-step in the sparse pass ~20-30 ns (gathers by index,
# bookkeeping), so the dense pass pays when more than ~1/DENSE_RATIO of the neurons are awake;
# waking a sleeping neuron costs ~WAKE_COST awake neuron-steps.
BLOCK = 64
DENSE_RATIO = 16
WAKE_COST = 3
#: a group of clock-driven neurons this small runs the kernel variant without the sparse pass
#: (the dense pass throughout, the same bits): the sparse pass could save it at most ~1.5 ns
#: per neuron-step (~1.5 ms per simulated second per 100 neurons at dt 0.1 ms), while
#: compiling it (the awake lists, sleep tests, catch-ups, sorting) costs a first run several
#: seconds.  Measured on the larva LIF network (1,240 neurons, 1 s, 150 Hz sensory input; 2
#: cores under load ~5): warm runs 0.037-0.041 s CPU either way (medians of 10 and 30,
#: alternated, identical spikes); first run with empty caches 23-24 s CPU with the sparse
#: pass, 13-16 s without
DENSE_ONLY_MAX = 2048
#: work units (deliveries + neuron-steps) of an epoch above which its lanes run in threads
PAR_WORK = 200_000
#: delivery prefetches the edges of the ring entry this many entries ahead, at most
#: PREFETCH_EDGES of them (a FlyWire-scale row segment averages ~50 edges)
PREFETCH_AHEAD = 8
PREFETCH_EDGES = 128
#: clock kernels compile the delivery prefetches only for networks of more event edges than
#: this (256 KiB of packed edges): below it the edges stay in the caches, the hints cannot
#: pay, and leaving them out saves a first run ~0.2 s of compilation
PREFETCH_MIN_EDGES = 1 << 16


@intrinsic
def prefetch(typingctx, arr, idx):
    """Hint the CPU to fetch ``arr[idx]`` into its caches (LLVM ``llvm.prefetch``: read, high
    locality).  No effect on results; an index past the end is harmless (the instruction
    never faults).  Spikes are delivered row segment after row segment, each at a random
    place in the CSR: without a hint each segment starts with a DRAM miss the core waits
    for (measured on the FlyWire-scale heavy run: ~25 % of the delivery time)."""
    if not isinstance(arr, types.Array) or not isinstance(idx, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        aryty, idxty = sig.args
        ary = context.make_array(aryty)(context, builder, args[0])
        i = context.cast(builder, args[1], idxty, types.intp)
        ptr = builder.gep(ary.data, [i])
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, idx), codegen


# ----------------------------------------------------------------------------- connectivity
def build_csr_ranked(src, tgt, rank, w, dly, merge):
    """Sort edges into a CSR by source row (O(E) counting sort; rows keep the input order).

    The edges name their neurons by *codes* (e.g. in order of first appearance, as
    :func:`factorize_ints` gives them); code ``c`` is row ``rank[c]`` of the CSR, and the
    targets are written as rows.  Applying ``rank`` here, on the fly, spares two passes over
    the edges (writing and reading back the edges' rows).

    Parameters
    ----------
    src, tgt : int32 or int64 [E]
        Source / target codes, each in ``[0, n)``.
    rank : int32 or int64 [n]
        Row of each code (a permutation of ``0..n-1``).
    w : float64[E]
        Weights.
    dly : float64[E] or float64[1]
        Delays (ms); one value for all edges when of size 1.
    merge : bool
        Sum duplicate (source, target) edges of equal delay (in input order, into the place of
        the first); if False, duplicates are reported instead.

    Returns
    -------
    indptr : int64[n + 1]
    out_tgt : int32[E']
        Target rows.
    out_w : float64[E']
    out_d : float64[E'] (or [1] when ``dly`` was uniform)
    dup : int64
        Index (into the input) of the first duplicate edge when ``merge`` is False, else -1.

    Notes
    -----
    The E-sized arrays are allocated by numpy, not inside the kernels: numpy asks the kernel
    for transparent huge pages on large arrays, which makes first touching them ~2x cheaper
    (measured on the FlyWire-scale build: 15M edges).  Rows merged away leave unused room at
    the end of the outputs; it is given back (copy) only when it exceeds 1/8 of them.
    """
    E = src.size
    uni = dly.size == 1
    indptr, run, code_of, grouped = _csr_rows(src, rank)
    perm = np.empty(0 if grouped else E, np.int64)
    out_tgt = np.empty(E, np.int32)
    out_w = np.empty(E, np.float64)
    out_d = np.full(1, dly[0], np.float64) if uni else np.empty(E, np.float64)
    last = np.full(rank.size, -1, np.int32 if E < 2 ** 31 else np.int64)
    new_ptr, m, dup = _csr_fill(src, tgt, rank, w, dly, merge, indptr, run, code_of, grouped,
                                perm, last, out_tgt, out_w, out_d)
    del perm
    if m < E:
        keep = (lambda a: a[:m].copy()) if (E - m) * 8 > E else (lambda a: a[:m])
        out_tgt, out_w = keep(out_tgt), keep(out_w)
        out_d = out_d if uni else keep(out_d)
    return new_ptr, out_tgt, out_w, out_d, dup


@numba.njit(cache=True)
def _csr_rows(src, rank):
    """Row pointers of :func:`build_csr_ranked` before merging, the start of each code's run
    of edges, the code of each row, and whether every source's edges form one run (edge
    lists are usually grouped by source: each row is then read straight from its run)."""
    n = rank.size
    deg = np.zeros(n, np.int64)
    run = np.full(n, -1, np.int64)
    grouped = True
    prev = -1
    for e in range(src.size):
        s = src[e]
        deg[s] += 1
        if s != prev:
            if run[s] >= 0:
                grouped = False
            run[s] = e
            prev = s
    code_of = np.empty(n, np.int64)
    for c in range(n):
        code_of[rank[c]] = c
    indptr = np.zeros(n + 1, np.int64)
    for i in range(n):
        indptr[i + 1] = indptr[i] + deg[code_of[i]]
    return indptr, run, code_of, grouped


@numba.njit(cache=True)
def _csr_fill(src, tgt, rank, w, dly, merge, indptr, run, code_of, grouped, perm, last,
              out_tgt, out_w, out_d):
    """The counting sort and merge of :func:`build_csr_ranked` into the given outputs;
    returns ``(row pointers, number of edges kept, first duplicate or -1)``."""
    n = rank.size
    uni = dly.size == 1
    if not grouped:
        pos = np.empty(n, np.int64)
        for c in range(n):
            pos[c] = indptr[rank[c]]
        for e in range(src.size):
            s = src[e]
            perm[pos[s]] = e
            pos[s] += 1
    new_ptr = np.zeros(n + 1, np.int64)
    # duplicates: ``last`` holds the output slot of each target's latest entry; it lies in
    # the current row iff it is at or past the row's first slot (slots only grow)
    m = 0
    dup = -1
    for i in range(n):
        row0 = m
        base = run[code_of[i]] - indptr[i]
        for q in range(indptr[i], indptr[i + 1]):
            e = q + base if grouped else perm[q]
            t = rank[tgt[e]]
            d = dly[0] if uni else dly[e]
            hit = np.int64(last[t])
            if hit >= row0:
                if not uni and out_d[hit] != d:
                    # the pair again with another delay: look for an entry of this delay
                    hit = -1
                    for q2 in range(row0, m):
                        if out_tgt[q2] == t and out_d[q2] == d:
                            hit = q2
                            break
                if hit >= 0:
                    if merge:
                        out_w[hit] += w[e]
                        continue
                    elif dup < 0:
                        dup = e
            last[t] = m
            out_tgt[m] = t
            out_w[m] = w[e]
            if not uni:
                out_d[m] = d
            m += 1
        new_ptr[i + 1] = m
    return new_ptr, m, dup


def build_csr(n, src, tgt, w, dly, merge):
    """:func:`build_csr_ranked` for edges given by row (``src``, ``tgt`` in ``[0, n)``)."""
    return build_csr_ranked(src, tgt, np.arange(n, dtype=np.int32), w, dly, merge)


def csr_ranked(src, tgt, rank, w, dly, merge):
    """:func:`build_csr_ranked`; small edge lists go through :func:`csr` (numpy, no numba
    compilation on a first run)."""
    if src.size > 200_000:
        return build_csr_ranked(src, tgt, rank, w, dly, merge)
    return csr(rank.size, rank[src], rank[tgt], w, dly, merge)


def csr(n, src, tgt, w, dly, merge):
    """:func:`build_csr` with the same result; small edge lists are sorted with numpy (no
    numba compilation on a first run)."""
    if src.size > 200_000:
        return build_csr(n, src, tgt, w, dly, merge)
    E = src.size
    uni = dly.size == 1
    order = np.argsort(src, kind="stable")             # rows keep the input order
    s, t, ww = src[order], tgt[order], w[order]
    dd = np.zeros(E) if uni else dly[order]
    grp = np.lexsort((np.arange(E), dd, t, s))          # duplicates adjacent, in row order
    gs, gt, gd = s[grp], t[grp], dd[grp]
    new = np.ones(E, bool)
    new[1:] = (gs[1:] != gs[:-1]) | (gt[1:] != gt[:-1]) | (gd[1:] != gd[:-1])
    starts = np.flatnonzero(new)
    dup = -1
    if starts.size < E and not merge:
        second = grp[np.flatnonzero(~new)].min()
        dup = int(order[second])
    first = grp[starts]                                  # representative: first occurrence
    rep = first[np.cumsum(new) - 1]                      # representative of each (grp order)
    wsum = np.zeros(E)
    np.add.at(wsum, rep, ww[grp])                        # sequential, in encounter order
    keep = np.sort(first)
    indptr = np.zeros(n + 1, np.int64)
    np.add.at(indptr, s[keep] + 1, 1)
    indptr = np.cumsum(indptr)
    out_d = dly.astype(float) if uni else dd[keep]
    if merge or dup < 0:
        return indptr, t[keep].astype(np.int32), wsum[keep], out_d, -1 if merge else dup
    return indptr, t.astype(np.int32), ww, dly.astype(float) if uni else dd, dup


@numba.njit(cache=True)
def lane_segments(indptr, tgt, w, ch, dly, lane_of, n_lanes):
    """Order each CSR row by (target lane, delay) and cut it into segments.

    ``lane_of[t]`` is the lane of target row ``t``; ``dly`` has one delay per edge (ms) or one
    for all.  Within a segment the edges keep their CSR order.

    Returns ``(tgt, w, ch, seg_ptr, seg_start, seg_end, seg_delay, seg_lane)``: row ``i``'s
    segments are ``seg_ptr[i]:seg_ptr[i+1]``; segment ``s`` covers edges
    ``seg_start[s]:seg_end[s]`` of delay ``seg_delay[s]`` (ms) onto lane ``seg_lane[s]``.
    """
    n = indptr.size - 1
    E = tgt.size
    uni = dly.size == 1
    t2 = np.empty(E, np.int32)
    w2 = np.empty(E, np.float64)
    c2 = np.empty(E, np.int8)
    seg_ptr = np.zeros(n + 1, np.int64)
    key = np.empty(E, np.float64)
    for i in range(n):
        a = indptr[i]
        b = indptr[i + 1]
        for q in range(a, b):
            # (lane, delay) as one sortable number: delays are >= 0 and < 1e12 ms
            key[q] = lane_of[tgt[q]] * 1e12 + (dly[0] if uni else dly[q])
    nseg = 0
    for i in range(n):
        a = indptr[i]
        b = indptr[i + 1]
        if b > a:
            nseg += 1
            for q in range(a + 1, b):
                if key[q] != key[a]:
                    nseg += b - a      # upper bound; trimmed below
                    break
    seg_start = np.empty(nseg, np.int64)
    seg_end = np.empty(nseg, np.int64)
    seg_delay = np.empty(nseg, np.float64)
    seg_lane = np.empty(nseg, np.int32)
    s = 0
    for i in range(n):
        a = indptr[i]
        b = indptr[i + 1]
        if b == a:
            seg_ptr[i + 1] = s
            continue
        same = True
        for q in range(a + 1, b):
            if key[q] != key[a]:
                same = False
                break
        if same:
            o = np.arange(b - a)
        else:
            o = np.argsort(key[a:b], kind="mergesort")
        for q in range(b - a):
            e = a + o[q]
            t2[a + q] = tgt[e]
            w2[a + q] = w[e]
            c2[a + q] = ch[e]
            if q == 0 or key[e] != key[a + o[q - 1]]:
                if q > 0:
                    seg_end[s - 1] = a + q
                seg_start[s] = a + q
                seg_delay[s] = dly[0] if uni else dly[e]
                seg_lane[s] = lane_of[tgt[e]]
                s += 1
        seg_end[s - 1] = b
        seg_ptr[i + 1] = s
    return (t2, w2, c2, seg_ptr, seg_start[:s].copy(), seg_end[:s].copy(),
            seg_delay[:s].copy(), seg_lane[:s].copy())


@numba.njit(cache=True, inline="always")
def _mix64(z):
    """splitmix64's finaliser: every input bit reaches the low bits used as the slot."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def factorize_ints(a, b, cap=0):
    """Codes of the 64-bit integer IDs of ``a`` and ``b`` (one open-addressing hash pass).

    ``a`` and ``b`` are uint64 views of int64/uint64 ID columns.  Returns ``(codes_a,
    codes_b, uniques)``: int32 codes (positions in ``uniques``, in order of first
    appearance, ``a`` before ``b``) and the distinct IDs.  O(len(a) + len(b)).  The table
    (key and code side by side, one cache line per probe) is kept at most half full; a run of
    equal IDs (edge lists grouped by source) is looked up once.  ``cap`` > 0: give up (empty
    arrays) as soon as there are more than ``cap`` distinct values.  The codes are allocated
    by numpy (huge pages: see :func:`build_csr_ranked`).
    """
    codes_a = np.empty(a.size, np.int32)
    codes_b = np.empty(b.size, np.int32)
    uniq = _factorize_into(a, b, cap, codes_a, codes_b)
    if cap > 0 and uniq.size > cap:
        return codes_a[:0], codes_b[:0], uniq[:0]
    return codes_a, codes_b, uniq


@numba.njit(cache=True)
def _factorize_into(a, b, cap, codes_a, codes_b):
    """The hash pass of :func:`factorize_ints`; returns the distinct IDs (``cap + 1`` of them
    when it gave up)."""
    size = 1 << 16
    mask = np.uint64(size - 1)
    table = np.zeros((size, 2), np.uint64)       # [key, code + 1] (0: empty)
    uniq = np.empty(1024, np.uint64)
    n_u = 0
    for part in range(2):
        x = a if part == 0 else b
        out = codes_a if part == 0 else codes_b
        last_key = np.uint64(0)
        last_code = -1
        for q in range(x.size):
            key = x[q]
            if last_code >= 0 and key == last_key:
                out[q] = last_code
                continue
            slot = _mix64(key) & mask
            while True:
                v = table[slot, 1]
                if v == 0:
                    if cap > 0 and n_u == cap:
                        return np.zeros(cap + 1, np.uint64)
                    if n_u >= uniq.size:
                        u2 = np.empty(2 * uniq.size, np.uint64)
                        for r in range(n_u):
                            u2[r] = uniq[r]
                        uniq = u2
                    table[slot, 0] = key
                    table[slot, 1] = np.uint64(n_u + 1)
                    uniq[n_u] = key
                    code = n_u
                    n_u += 1
                    if 2 * n_u > size:                 # grow: rehash the distinct keys
                        size *= 2
                        mask = np.uint64(size - 1)
                        table = np.zeros((size, 2), np.uint64)
                        for r in range(n_u):
                            sl = _mix64(uniq[r]) & mask
                            while table[sl, 1] != 0:
                                sl = (sl + np.uint64(1)) & mask
                            table[sl, 0] = uniq[r]
                            table[sl, 1] = np.uint64(r + 1)
                    break
                if table[slot, 0] == key:
                    code = np.int64(v) - 1
                    break
                slot = (slot + np.uint64(1)) & mask
            out[q] = code
            last_key = key
            last_code = code
    return uniq[:n_u].copy()


@numba.njit(cache=True)
def remap_codes(codes, perm):
    """``perm[codes]`` as int32 (one pass, no temporary int64 array)."""
    out = np.empty(codes.size, np.int32)
    for q in range(codes.size):
        out[q] = perm[codes[q]]
    return out


#: the packed delivery format keeps a table of the distinct weights if there are at most this
#: many (64 KiB; its hot part stays in L1); otherwise each edge's word points at its own
#: weight (the table is the weight array, read in order)
WEIGHT_TABLE_MAX = 8192


def edge_words(tgt, ch, n_of, w):
    """The packed delivery format of the event edges: one uint32 word each and a weight table.

    Word ``e`` holds, in its low ``shift`` bits, the flat index ``ch[e] * n_of[e] + tgt[e]``
    of the edge's input in its target group's C-ordered ``I[n_ch, n]`` (``n_of``: the target
    group's size, per edge) and, above them, the index of its weight in ``wtab``: delivering
    an edge reads 4 bytes instead of 13 (target int32, channel int8, weight float64) and adds
    the same float64 weight (bit for bit).  This holds when the weights have at most
    :data:`WEIGHT_TABLE_MAX` distinct bit patterns (-0.0 and 0.0 stay apart), as in
    connectomes (synapse counts times a scale), and index and code fit in 32 bits.
    Otherwise ``shift`` is 32, the word is the flat index alone and ``wtab`` is ``w`` itself,
    read in edge order (weight of edge ``e``: ``wtab[(word >> shift) + e * (shift == 32)]``).

    Returns ``(words uint32, wtab float64, shift)``.
    """
    E = tgt.size
    flat = ch.astype(np.uint64) * np.asarray(n_of, np.uint64) + tgt.astype(np.uint64)
    top = int(flat.max()) if E else 0
    if top >= 1 << 32:
        raise ValueError("a group's inputs exceed 2**32 entries: too large for the engine")
    shift = max(top.bit_length(), 1)
    if E > 200_000:
        codes, _, wtab = factorize_ints(w.view(np.uint64), w[:0].view(np.uint64),
                                        WEIGHT_TABLE_MAX)
    else:
        u, inv = np.unique(w.view(np.uint64), return_inverse=True)
        codes, wtab = (inv, u) if u.size <= WEIGHT_TABLE_MAX else (np.empty(0), None)
    if codes.size != E or shift + max(int(wtab.size) - 1, 1).bit_length() > 32:
        return flat.astype(np.uint32), w, 32
    flat |= codes.astype(np.uint64) << np.uint64(shift)
    return flat.astype(np.uint32), np.ascontiguousarray(wtab).view(np.float64), shift


# ----------------------------------------------------------------------------- small helpers
@numba.njit(cache=True, no_cfunc_wrapper=True)
def sort_rows2(a, L, n):
    """Sort ``a[L, :n]`` (int64) ascending in place: insertion sort when short, else
    heapsort.  (``np.sort`` in a kernel costs ~1.5 s of compilation; this far less.)"""
    if n <= 32:
        for q in range(1, n):
            x = a[L, q]
            d = q - 1
            while d >= 0 and a[L, d] > x:
                a[L, d + 1] = a[L, d]
                d -= 1
            a[L, d + 1] = x
        return
    end = n
    start = n // 2
    while end > 1:
        if start > 0:                   # heapify: sift down a[start - 1]
            start -= 1
            root = start
        else:                           # move the maximum to the end, sift down a[0]
            end -= 1
            x = a[L, end]
            a[L, end] = a[L, 0]
            a[L, 0] = x
            root = 0
        while True:
            c = 2 * root + 1
            if c >= end:
                break
            if c + 1 < end and a[L, c] < a[L, c + 1]:
                c += 1
            if a[L, root] < a[L, c]:
                x = a[L, root]
                a[L, root] = a[L, c]
                a[L, c] = x
                root = c
            else:
                break


@numba.njit(cache=True, fastmath={"reassoc"})
def any_nonfinite(x, lo, hi):
    """True if ``x[lo:hi]`` holds a NaN or an inf (a vectorised sum of ``x * 0``)."""
    acc = 0.0
    for i in range(lo, hi):
        acc += x[i] * 0.0
    return acc != acc


# ----------------------------------------------------------------------------- routing
@numba.njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def route(n_new, new_i, new_k, new_t, k_end, dt,
          seg_ptr, seg_lane, seg_dsteps, seg_delay, seg_start, seg_end,
          rb, rb_t, rb_n, lane_event, sp_i, sp_t, n_sp, max_spikes):
    """Queue an epoch's spikes into the lanes' rings and append them to the spike table.

    Parameters
    ----------
    new_i, new_k, new_t : int32, int64, float64 [>= n_new]
        Engine rows, steps and exact times (ms) of the epoch's spikes, in (step, row) order.
    k_end : int
        First step after the epoch (nothing may be queued before it).
    seg_* : the segments of the event CSR (see :func:`lane_segments`), ``seg_dsteps`` the
        delays in steps.
    rb, rb_t, rb_n : rings per lane and slot: edge ranges ``rb[L, slot, q] = (start, end)``,
        arrival times (ms) and fills.  ``rb_t`` is None when no lane is event-driven: the
        event-driven path is then not compiled (``seg_delay``, ``lane_event`` unused).
    lane_event : bool[lanes]
        Lanes of event-driven models: their entries keep the exact arrival time ``t + delay``
        and go to the slot of that time (never before ``k_end``); clock-driven lanes get
        the slot ``k + delay in steps``.
    sp_i, sp_t, n_sp : the run's spike table so far.
    max_spikes : int
        Spike-table bound.

    Returns
    -------
    (n_sp, status): :data:`STATUS_MAX_SPIKES` beyond ``max_spikes``; :data:`STATUS_GROW`
    when the spike table or a ring has no room for the epoch: nothing is queued then, the
    caller grows them with :func:`grow_room` and routes again.  (The growth is Python's:
    compiled here it would cost every first run ~1 s of compilation for a rare path.)
    """
    if n_new == 0:
        return n_sp, STATUS_OK
    if n_sp + n_new > max_spikes:
        return n_sp, STATUS_MAX_SPIKES
    if n_sp + n_new > sp_i.size:
        return n_sp, STATUS_GROW
    n_lanes, n_slots, cap, _two = rb.shape
    # room: every spike adds its segments to at most every slot of its lanes
    need = np.empty(n_lanes, np.int64)      # (the 1-D np.empty the kernels compile anyway)
    for L in range(n_lanes):
        need[L] = 0
    for q in range(n_new):
        if q + 16 < n_new:               # (see the prefetches below)
            prefetch(seg_ptr, new_i[q + 16])
        if q + 8 < n_new:
            prefetch(seg_lane, seg_ptr[new_i[q + 8]])
        i = new_i[q]
        for s in range(seg_ptr[i], seg_ptr[i + 1]):
            need[seg_lane[s]] += 1
    short = False
    for L in range(n_lanes):
        if need[L] > 0:
            for sl in range(n_slots):
                if rb_n[L, sl] + need[L] > cap:
                    short = True
    if short:
        return n_sp, STATUS_GROW
    for q in range(n_new):
        i = new_i[q]
        k = new_k[q]
        t = new_t[q]
        sp_i[n_sp] = i
        sp_t[n_sp] = t
        n_sp += 1
        _prefetch_segments(q + 8, n_new, new_i, seg_ptr, seg_lane, seg_dsteps, seg_start,
                           seg_end)
        km = k % n_slots          # (one division per spike, not per segment: ~5 % of a
        for s in range(seg_ptr[i], seg_ptr[i + 1]):     # heavy run's time was the latter)
            L = seg_lane[s]
            if rb_t is not None and lane_event[L]:
                ta = t + seg_delay[s]
                ka = int(ta / dt)
                if ka < k_end:
                    ka = k_end
                sl = ka % n_slots
                rb_t[L, sl, rb_n[L, sl]] = ta
            else:
                sl = km + seg_dsteps[s]
                if sl >= n_slots:
                    sl = sl % n_slots
            _queue(rb, rb_n, L, sl, seg_start[s], seg_end[s])
    return n_sp, STATUS_OK


@numba.njit(cache=True, nogil=True, inline="always")
def _prefetch_segments(q, n_new, new_i, seg_ptr, seg_lane, seg_dsteps, seg_start, seg_end):
    """The segment tables of spike q into the caches (random rows of MB-sized arrays:
    without the hints routing waited on a miss per array and spike)."""
    if q < n_new:
        s = seg_ptr[new_i[q]]
        prefetch(seg_lane, s)
        prefetch(seg_dsteps, s)
        prefetch(seg_start, s)
        prefetch(seg_end, s)


@numba.njit(cache=True, nogil=True, inline="always")
def _queue(rb, rb_n, L, sl, start, end):
    """Append the edge range start:end to lane L's ring slot sl."""
    q = rb_n[L, sl]
    rb[L, sl, q, 0] = start
    rb[L, sl, q, 1] = end
    rb_n[L, sl] = q + 1


@numba.njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def route_lane(L, n_new, new_i, new_k, seg_ptr, seg_lane, seg_dsteps, seg_start, seg_end,
               rb, rb_n):
    """Lane ``L``'s part of :func:`route` for clock-driven lanes, without its checks (the
    caller made them): the parallel kernel queues each lane's entries in the thread that
    runs the lane, so no two threads write one ring.  The entries, and their order (spikes
    in (step, row) order, each row's segments in order), are :func:`route`'s: the same bits.
    """
    n_slots = rb.shape[1]
    for q in range(n_new):
        if q + 16 < n_new:
            prefetch(seg_ptr, new_i[q + 16])
        _prefetch_segments(q + 8, n_new, new_i, seg_ptr, seg_lane, seg_dsteps, seg_start,
                           seg_end)
        i = new_i[q]
        km = new_k[q] % n_slots
        for s in range(seg_ptr[i], seg_ptr[i + 1]):
            if seg_lane[s] != L:
                continue
            sl = km + seg_dsteps[s]
            if sl >= n_slots:
                sl = sl % n_slots
            _queue(rb, rb_n, L, sl, seg_start[s], seg_end[s])


def grow_room(n_new, new_i, seg_ptr, seg_lane, rb, rb_t, rb_n, sp_i, sp_t, n_sp,
              max_spikes, mem_left, want=0):
    """Grow the spike table and the rings so that :func:`route` has room for an epoch's
    ``n_new`` spikes ``new_i`` (after it returned :data:`STATUS_GROW`).

    Capacities double (the spike table up to ``max_spikes``); the filled part is copied.
    ``want``: the spikes the whole run is expected to need (the caller's extrapolation): the
    table grows to it at once when that takes at most half of ``mem_left``, instead of ~13
    doublings for 26M spikes, each a copy into freshly faulted pages (~1 s in all).
    Returns ``(rb, rb_t, sp_i, sp_t, status, grown_bytes)``, status :data:`STATUS_MEMORY`
    (arrays then as far as grown) when the growth would exceed ``mem_left`` bytes.
    """
    grown = 0
    if n_sp + n_new > sp_i.size:
        cap = sp_i.size
        while cap < n_sp + n_new:
            cap *= 2
        cap = min(cap, max_spikes)
        want = min(want, max_spikes)
        if want > cap and (want - sp_i.size) * 24 <= mem_left:
            cap = want
        extra = (cap - sp_i.size) * 12
        if extra > mem_left:
            return rb, rb_t, sp_i, sp_t, STATUS_MEMORY, grown
        tmp_i = np.empty(cap, np.int32)
        tmp_t = np.empty(cap, np.float64)
        tmp_i[:n_sp] = sp_i[:n_sp]
        tmp_t[:n_sp] = sp_t[:n_sp]
        sp_i, sp_t = tmp_i, tmp_t
        grown += extra
        mem_left -= extra
    n_lanes, n_slots, cap, _two = rb.shape
    if n_lanes > 0 and seg_ptr.size > 1:
        rows = np.asarray(new_i[:n_new], np.int64)
        beg, end = seg_ptr[rows], seg_ptr[rows + 1]
        lens = end - beg
        segs = np.repeat(beg - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
        need = np.bincount(seg_lane[segs], minlength=n_lanes)[:n_lanes]
        fill = rb_n.max(axis=1)
        cap2 = cap
        while np.any(fill + need > cap2):
            cap2 *= 2
        if cap2 > cap:
            use_t = rb_t.shape[0] > 0
            extra = n_lanes * n_slots * (cap2 - cap) * (24 if use_t else 16)
            if extra > mem_left:
                return rb, rb_t, sp_i, sp_t, STATUS_MEMORY, grown
            r2 = np.empty((n_lanes, n_slots, cap2, 2), np.int64)
            r2[:, :, :cap] = rb
            rb = r2
            if use_t:
                t2 = np.empty((n_lanes, n_slots, cap2), np.float64)
                t2[:, :, :cap] = rb_t
                rb_t = t2
            grown += extra
    return rb, rb_t, sp_i, sp_t, STATUS_OK, grown


@numba.njit(cache=True, nogil=True)
def route_continuous(ka, kb, vals, out_rows, cx_ptr, cx_tgt, cx_w, cx_dsteps, cring):
    """Queue continuous (graded) outputs of steps ``ka..kb-1`` into ``cring``.

    ``vals[k - ka, q]`` is the output of engine row ``out_rows[q]`` at the end of step ``k``;
    its edges ``cx_ptr[q]:cx_ptr[q+1]`` add ``w * value`` (nA) to ``cring[slot, target]``
    ``cx_dsteps`` steps later.
    """
    n_slots = cring.shape[0]
    for k in range(ka, kb):
        for q in range(out_rows.size):
            v = vals[k - ka, q]
            if v == 0.0:
                continue
            for e in range(cx_ptr[q], cx_ptr[q + 1]):
                cring[(k + cx_dsteps[e]) % n_slots, cx_tgt[e]] += cx_w[e] * v


@numba.njit(cache=True, nogil=True)
def cross_gap_currents(vx, xg_a, xg_b, xg_g, xgap):
    """Gap junctions between groups from the voltages ``vx`` (mV, engine rows).

    ``xg_*`` lists each junction once (µS).  ``xgap[0, i]`` receives ``sum g V_other`` (nA)
    and ``xgap[1, i]`` ``sum g`` (µS), so that a group computes ``g (V_other - V_i)`` with
    its own ``V_i`` explicitly (clock models) or implicitly (graded models)."""
    for q in range(xg_a.size):
        for r in range(2):
            xgap[r, xg_a[q]] = 0.0
            xgap[r, xg_b[q]] = 0.0
    for q in range(xg_a.size):
        a = xg_a[q]
        b = xg_b[q]
        g = xg_g[q]
        xgap[0, a] += g * vx[b]
        xgap[1, a] += g
        xgap[0, b] += g * vx[a]
        xgap[1, b] += g


# ----------------------------------------------------------------------------- per-model kernels
# numba cannot cache a kernel that receives jitted functions as arguments (the function type
# is process-specific), so each model's kernel is rendered from a template file in which the
# model's functions are imported by name, and loaded through codegen.load_module (which gives
# it a file, so numba caches it on disk like any other module).
_KERNELS: dict = {}
_KERNEL_LOCK = threading.Lock()

#: serialises the parallel kernels (numba's default 'workqueue' threading layer must not be
#: entered from two threads at once); a run that finds it taken uses one lane instead
PARALLEL_LOCK = threading.Lock()

_FUNCS = {"clock": ("step", "step_population", "step_all", "can_sleep", "catch_up"),
          "event": ("receive", "observe"),
          "continuous": ("step_group",)}
_FALLBACK = {"step_population": "no_population", "step_all": "no_step_all",
             "can_sleep": "no_sleep", "catch_up": "no_catch_up"}


@numba.njit(cache=True)
def no_sleep(i, t, dt, S, P):
    return False


@numba.njit(cache=True)
def no_catch_up(i, nsteps, dt, S, P):
    return None


@numba.njit(cache=True)
def no_population(act, n_act, t, dt, S, P, I, iext, out):
    return None


@numba.njit(cache=True)
def no_step_all(lo, hi, t, dt, S, P, I, iext, out):
    return 0


def _source_hash(modules, template) -> str:
    from .codegen import _TEMPLATE_DIR
    import os

    h = hashlib.sha1()
    for mod in sorted(set(modules)):
        h.update(inspect.getsource(sys.modules[mod]).encode())
    with open(os.path.join(_TEMPLATE_DIR, template), "rb") as fh:
        h.update(fh.read())
    h.update(inspect.getsource(sys.modules[__name__]).encode())
    return h.hexdigest()[:16]


class Kernel:
    """A loaded per-model kernel module; :meth:`__call__` runs its ``advance_`` and wraps the
    first call in :func:`~connectome_sim.engine.codegen.compile_notice`."""

    def __init__(self, mod, what, fn="advance_"):
        self.mod = mod
        self.what = what
        self.fn = getattr(mod, fn)
        self._called = False

    def __call__(self, *args):
        if self._called:
            return self.fn(*args)
        from .codegen import compile_notice

        with compile_notice(self.what, self.mod):
            out = self.fn(*args)
        self._called = True
        return out


_FUSED: dict = {}


def fused_driver(groups, compile: bool = True) -> Kernel | None:
    """The fused lockstep driver of a network whose groups' kernels are ``groups``, a
    sequence of ``(kind, Kernel)`` (kinds 'clock' and 'continuous', in the network's group
    order), rendered from ``templates/network_fused.py.j2`` and loaded once per process.
    With ``compile=False``: None unless it is loaded already or numba's on-disk cache holds
    it (its compilation, ~5 s, is not free: the caller weighs it against the run).

    Its ``drive_`` advances every group one step at a time and exchanges spikes, graded
    outputs and gap currents between them after each step, in compiled code (see
    ``EngineRun._run_fused``).  The module imports the groups' kernel modules by name, so its
    file name (a hash of its source) changes with any of theirs.
    """
    from .codegen import is_cached, load_module, render

    key = tuple((kind, k.mod.__name__) for kind, k in groups)
    d = _FUSED.get(key)
    if d is not None:
        return d
    with _KERNEL_LOCK:
        d = _FUSED.get(key)
        if d is not None:
            return d
        for kind, _m in key:
            if kind not in ("clock", "continuous"):
                raise ValueError(f"the fused lockstep runs clock and continuous groups, "
                                 f"not {kind!r}")
        template = "network_fused.py.j2"
        src = render(template, groups=[{"kind": kind, "module": m} for kind, m in key],
                     source_hash=_source_hash([__name__], template))
        prefix = "cs_net_fused_" + "_".join(kind for kind, _m in key)[:60]
        if not compile and not is_cached(src, prefix, "drive_"):
            return None
        mod = load_module(src, prefix)
        what = "fused lockstep (" + ", ".join(k.what.split(" network kernel")[0]
                                              for _kind, k in groups) + ")"
        d = Kernel(mod, what, fn="drive_")
        _FUSED[key] = d
        return d


def kernel(model, parallel: bool = False, sparse: bool = True,
           prefetch: bool = True) -> Kernel:
    """The run kernel of ``model`` (a PointModel class), rendered and loaded once per process.

    ``parallel`` selects the variant whose lanes run in numba's parallel threads (used for
    large groups of clock-driven models).  ``sparse=False`` (clock-driven models with a
    ``step_all`` only) selects the variant with the dense pass alone: every neuron awake
    throughout, no sleep tests or catch-ups (compiled only if a run uses it; see
    :data:`DENSE_ONLY_MAX`).  ``prefetch=False`` (clock-driven models) leaves the delivery
    prefetches out (see :data:`PREFETCH_MIN_EDGES`; the same results).
    """
    from .codegen import jit_modules, load_module, render

    kind = model.kind
    key = (kind, id(model.step), id(model.step_population), id(model.step_all),
           id(model.can_sleep), id(model.catch_up), id(model.receive),
           id(getattr(model, "step_group", None)), bool(parallel), bool(sparse),
           bool(prefetch) or kind != "clock")
    k = _KERNELS.get(key)
    if k is not None:
        return k
    with _KERNEL_LOCK:
        k = _KERNELS.get(key)
        if k is not None:
            return k
        imports, modules = [], [__name__]
        for name in _FUNCS[kind]:
            fn = getattr(model, name, None)
            if fn is None:
                if name not in _FALLBACK:
                    raise ValueError(f"model {model.name} ({kind}) has no {name} function")
                imports.append((__name__, _FALLBACK[name], name))
                continue
            py = fn.py_func
            imports.append((py.__module__, py.__name__, name))
            modules.append(py.__module__)
        template = f"network_{kind}.py.j2"
        if not sparse and (kind != "clock" or getattr(model, "step_all", None) is None):
            raise ValueError(f"model {model.name} has no dense pass (step_all)")
        # (and the modules of everything they call: see codegen.jit_modules)
        modules += jit_modules(getattr(model, name, None) for name in _FUNCS[kind])
        src = render(template, imports=imports, parallel=bool(parallel), sparse=bool(sparse),
                     prefetch=bool(prefetch),
                     source_hash=_source_hash(modules, template),
                     has_pop=getattr(model, "step_population", None) is not None,
                     has_all=getattr(model, "step_all", None) is not None)
        tag = "_".join(dict.fromkeys(name for _, name, _a in imports))[:80]
        variant = (("_par" if parallel else "") + ("" if sparse else "_dense")
                   + ("" if prefetch or kind != "clock" else "_nopf"))
        mod = load_module(src, f"cs_net_{kind}{variant}_{tag}")
        k = Kernel(mod, f"{model.name} network kernel ({kind}"
                        f"{'' if sparse else ', dense'}{', parallel' if parallel else ''})")
        _KERNELS[key] = k
        return k
