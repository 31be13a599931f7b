"""Numba kernels of the point-network engine (numpy + numba only; no IDs, no pandas).

Connectivity is a CSR matrix by source neuron whose rows are split into *segments* of equal
delay, so that a spike is queued once per (source, delay) pair, not once per edge.  A ring
buffer of segment indices, one slot per time step, holds the spikes in flight; memory is
O(N + E) for the network plus O(spikes in flight) for the queue.

Two run loops:

* :func:`run_clock` for time-stepped models (``PointModel.kind == 'clock'``).  Only *awake*
  neurons are stepped: a neuron whose model says it cannot spike without new input
  (``can_sleep``) is put to sleep and brought up to date exactly (``catch_up``) when input
  arrives, so the work scales with activity, not with ``N x steps`` (whole-brain networks,
  where ~0.1 % of the neurons are awake).  When many neurons are awake (the larva: ~17 %)
  stepping them one by one through an index list costs more than one branch-free,
  vectorised pass over all of them (the model's ``step_all``, ~15-20x cheaper per neuron),
  so the kernel switches between the two passes every ``BLOCK`` steps from the work it
  measured; both give the same per-neuron arithmetic.
* :func:`run_event` for NEURON ``ARTIFICIAL_CELL``-style models (``kind == 'event'``): events
  carry exact times (ms); each neuron's events of a step are delivered in time order,
  interleaved with its self-event.

Both are serial within one trial (deterministic); trials run in parallel threads
(``nogil=True``).  Units: ms, mV, nA.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.typed import List

__all__ = ["build_csr", "make_segments", "run_clock", "run_event",
           "STATUS_OK", "STATUS_MAX_SPIKES", "STATUS_RUNAWAY", "STATUS_NONFINITE"]

STATUS_OK = 0
STATUS_MAX_SPIKES = 1
STATUS_RUNAWAY = 2
STATUS_NONFINITE = 3


@numba.njit(cache=True)
def build_csr(n, src, tgt, w, dly, merge):
    """Sort edges into a CSR by source (O(E) counting sort; rows keep the input order).

    Parameters
    ----------
    n : int
        Number of neurons.
    src, tgt : int64[E]
        Source / target row indices.
    w : float64[E]
        Weights.
    dly : float64[E]
        Delays (ms).
    merge : bool
        Sum duplicate (source, target) edges of equal delay; if False, duplicates are
        reported instead.

    Returns
    -------
    indptr : int64[n + 1]
    out_tgt : int32[E']
    out_w : float64[E']
    out_d : float64[E']
    dup : int64
        Index (into the input) of the first duplicate edge when ``merge`` is False, else -1.
    """
    E = src.size
    indptr = np.zeros(n + 1, np.int64)
    for e in range(E):
        indptr[src[e] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    pos = indptr[:-1].copy()
    perm = np.empty(E, np.int64)
    for e in range(E):
        s = src[e]
        perm[pos[s]] = e
        pos[s] += 1
    out_tgt = np.empty(E, np.int32)
    out_w = np.empty(E, np.float64)
    out_d = np.empty(E, np.float64)
    new_ptr = np.zeros(n + 1, np.int64)
    # duplicates found with a per-target marker (row of the last visit, output slot)
    mark_row = np.full(n, -1, np.int64)
    mark_pos = np.empty(n, np.int64)
    m = 0
    dup = -1
    for i in range(n):
        for q in range(indptr[i], indptr[i + 1]):
            e = perm[q]
            t = tgt[e]
            if mark_row[t] == i and out_d[mark_pos[t]] == dly[e]:
                if merge:
                    out_w[mark_pos[t]] += w[e]
                    continue
                elif dup < 0:
                    dup = e
            mark_row[t] = i
            mark_pos[t] = m
            out_tgt[m] = t
            out_w[m] = w[e]
            out_d[m] = dly[e]
            m += 1
        new_ptr[i + 1] = m
    if m == E:
        return new_ptr, out_tgt, out_w, out_d, dup
    return new_ptr, out_tgt[:m].copy(), out_w[:m].copy(), out_d[:m].copy(), dup


@numba.njit(cache=True)
def make_segments(indptr, tgt, w, ch, dly):
    """Reorder each row by delay and split it into equal-delay segments.

    Returns ``(tgt, w, ch, seg_ptr, seg_start, seg_end, seg_delay)``: row ``i``'s segments are
    ``seg_ptr[i]:seg_ptr[i+1]``; segment ``s`` covers edges ``seg_start[s]:seg_end[s]`` with
    delay ``seg_delay[s]`` (ms).
    """
    n = indptr.size - 1
    E = tgt.size
    t2 = np.empty(E, np.int32)
    w2 = np.empty(E, np.float64)
    c2 = np.empty(E, np.int8)
    seg_ptr = np.zeros(n + 1, np.int64)
    # count segments first
    nseg = 0
    for i in range(n):
        a = indptr[i]
        b = indptr[i + 1]
        if b > a:
            d = np.sort(dly[a:b])
            nseg += 1
            for q in range(1, b - a):
                if d[q] != d[q - 1]:
                    nseg += 1
    seg_start = np.empty(nseg, np.int64)
    seg_end = np.empty(nseg, np.int64)
    seg_delay = np.empty(nseg, np.float64)
    s = 0
    for i in range(n):
        a = indptr[i]
        b = indptr[i + 1]
        if b > a:
            o = np.argsort(dly[a:b], kind="mergesort")
            for q in range(b - a):
                e = a + o[q]
                t2[a + q] = tgt[e]
                w2[a + q] = w[e]
                c2[a + q] = ch[e]
                d = dly[e]
                if q == 0 or d != seg_delay[s - 1]:
                    if q > 0:
                        seg_end[s - 1] = a + q
                    seg_start[s] = a + q
                    seg_delay[s] = d
                    s += 1
            seg_end[s - 1] = b
        seg_ptr[i + 1] = s
    return t2, w2, c2, seg_ptr, seg_start, seg_end, seg_delay


@numba.njit(cache=True)
def _ring_capacity(rb_n, seg_ptr, spikers, q0, q1, cap):
    """Ring-buffer row capacity needed to queue the deliveries of ``spikers[q0:q1]``.

    ``rb_n[slot]`` is the fill of each delay slot; every spike adds its out-degree
    (``seg_ptr`` rows) to at most every slot, so ``max(fill) + need`` bounds any slot.  Returns
    ``cap`` when that fits, else ``cap`` doubled until it does (the caller copies its
    buffers: array reassignment stays outside the per-event loops)."""
    need = 0
    for q in range(q0, q1):
        i = spikers[q]
        need += seg_ptr[i + 1] - seg_ptr[i]
    fill = 0
    for sl in range(rb_n.size):
        if rb_n[sl] > fill:
            fill = rb_n[sl]
    cap2 = cap
    while fill + need > cap2:
        cap2 *= 2
    return cap2


@numba.njit(cache=True)
def _no_sleep(i, t, dt, S, P):
    return False


@numba.njit(cache=True)
def _no_catch_up(i, nsteps, dt, S, P):
    return None


@numba.njit(cache=True)
def _no_population(act, n_act, t, dt, S, P, I, iext, out):
    return None


@numba.njit(cache=True)
def _no_step_all(t, dt, S, P, I, iext, out):
    return 0


# Choice between the sparse pass (awake neurons only) and the dense pass (``all_fn`` over every
# neuron, vectorised), made every BLOCK steps from the work of the block.  Costs measured on
# the larva LIF network (2 cores, noisy): a neuron in the dense pass ~1-1.5 ns; an awake
# neuron-step in the sparse pass ~20-30 ns (gathers by index, bookkeeping), so the dense pass
# pays when more than ~1/DENSE_RATIO of the neurons are awake; waking a sleeping neuron
# (catch-up with two powers, a later sleep test) costs ~WAKE_COST awake neuron-steps.
# The choice depends only on the simulated state, so results stay deterministic.
BLOCK = 64
DENSE_RATIO = 16
WAKE_COST = 3


@numba.njit(cache=True, nogil=True)
def run_clock(step_fn, pop_fn, all_fn, sleep_fn, catch_fn, use_pop, use_all, use_sleep,
              k_start, n_steps, dt, S, P, n_ch,
              tgt, w, ch, seg_ptr, seg_start, seg_end, seg_dsteps,
              stim_k, stim_i, stim_w, stim_ch,
              cur_k, cur_i, cur_amp,
              gap_ptr, gap_j, gap_g, vrow, pinned,
              rec_i, rec_row, max_spikes):
    """Run a clock-driven network from step ``k_start`` to ``n_steps`` (exclusive).

    ``stim_*`` are external input events sorted by step ``stim_k``; ``cur_*`` are current
    *changes* (nA, added to the neuron's current from step ``cur_k`` on), sorted by step.
    ``pop_fn`` (used when ``use_pop``) steps all awake neurons ``act[:n_act]`` in one call and
    writes their spike flags to ``out[:n_act]`` (faster than one ``step_fn`` call per neuron).
    ``all_fn`` (used when ``use_all``) steps every neuron in one vectorised pass, writes
    ``out[i]`` (uint8) and returns the number of spikes; the kernel switches between it
    (dense) and the awake list (sparse) every ``BLOCK`` steps from the measured work (see
    ``DENSE_RATIO``).  ``gap_*`` is a symmetric CSR of gap-junction conductances (µS) coupling
    state row ``vrow``.  ``pinned`` neurons never sleep.  ``rec_i``/``rec_row`` select
    recorded state values (sampled at the start of each step).

    Each step's spikes are queued in ascending neuron order whatever the pass, so the inputs
    of a neuron are summed in the same order in both passes.

    Returns ``(spike_neuron int32[], spike_step int64[], rec float64[steps, n_rec], status,
    step_reached, dense_steps)`` (``dense_steps``: steps run with the dense pass).
    """
    N = S.shape[1]
    I = np.zeros((n_ch, N))
    flags = np.zeros(N, np.bool_)
    spk = np.empty(N, np.int64)      # this step's spiking neurons
    base = np.zeros(N)
    itot = np.zeros(N)
    max_d = 1
    for s in range(seg_dsteps.size):
        if seg_dsteps[s] > max_d:
            max_d = seg_dsteps[s]
    n_slots = max_d + 1
    cap = 256
    rb = np.empty((n_slots, cap), np.int64)
    rb_n = np.zeros(n_slots, np.int64)
    active = np.zeros(N, np.bool_)
    act = np.empty(N, np.int64)
    last = np.full(N, k_start, np.int64)
    n_act = 0
    for i in range(N):
        if pinned[i] or not use_sleep or not sleep_fn(i, k_start * dt, dt, S, P):
            active[i] = True
            act[n_act] = i
            n_act += 1
    gap_nodes = np.empty(N, np.int64)
    n_gap = 0
    for i in range(N):
        if gap_ptr[i + 1] > gap_ptr[i]:
            gap_nodes[n_gap] = i
            n_gap += 1
    # dense pass: spike flags padded to whole 8-byte words (scanned a word at a time);
    # an empty external current tells all_fn that there is none
    n8 = (N + 7) // 8
    out8 = np.zeros(8 * n8, np.uint8)
    out64 = out8.view(np.uint64)
    iext_all = itot if (cur_k.size > 0 or n_gap > 0) else np.empty(0)
    stay = np.zeros(N, np.bool_)
    thr_work = N * BLOCK // DENSE_RATIO
    blk_work = 0
    n_dense = 0
    dense = use_all and (not use_sleep or n_act * DENSE_RATIO > N)
    if dense:
        for i in range(N):
            active[i] = True
    sp_cap = 1024
    sp_i = np.empty(sp_cap, np.int32)
    sp_k = np.empty(sp_cap, np.int64)
    n_sp = 0
    n_rec = rec_i.size
    rec = np.empty((n_steps - k_start, n_rec))
    ps = 0
    while ps < stim_k.size and stim_k[ps] < k_start:
        ps += 1
    pc = 0
    status = STATUS_OK
    k = k_start
    while k < n_steps:
        slot = k % n_slots
        t = k * dt
        if use_all and use_sleep and k > k_start and (k - k_start) % BLOCK == 0:
            if not dense:
                if blk_work > thr_work:
                    # sparse -> dense: bring every sleeping neuron up to date
                    for i in range(N):
                        if not active[i]:
                            catch_fn(i, k - last[i], dt, S, P)
                            active[i] = True
                    dense = True
            elif WAKE_COST * blk_work < thr_work // 2:
                # (the block's deliveries bound the wake-ups the sparse pass would have had;
                # only when they are few is it worth testing every neuron for sleep)
                n_stay = 0
                for i in range(N):
                    stay[i] = pinned[i] or not sleep_fn(i, t, dt, S, P)
                    n_stay += stay[i]
                if n_stay * BLOCK + WAKE_COST * blk_work < thr_work // 2:
                    n_act = 0
                    for i in range(N):
                        if stay[i]:
                            act[n_act] = i
                            n_act += 1
                        else:
                            active[i] = False
                            last[i] = k
                    dense = False
            blk_work = 0
        while pc < cur_k.size and cur_k[pc] <= k:
            base[cur_i[pc]] += cur_amp[pc]
            itot[cur_i[pc]] = base[cur_i[pc]]
            pc += 1
        if n_gap > 0:
            for q in range(n_gap):
                i = gap_nodes[q]
                acc = base[i]
                vi = S[vrow, i]
                for e in range(gap_ptr[i], gap_ptr[i + 1]):
                    acc += gap_g[e] * (S[vrow, gap_j[e]] - vi)
                itot[i] = acc
        # deliver spikes due now
        n_ring = rb_n[slot]
        ps0 = ps
        n_old = n_act       # act[n_old:n_act] will be the neurons woken in this step
        if dense:
            for q in range(n_ring):
                s = rb[slot, q]
                blk_work += seg_end[s] - seg_start[s]
                for e in range(seg_start[s], seg_end[s]):
                    I[ch[e], tgt[e]] += w[e]
            while ps < stim_k.size and stim_k[ps] == k:
                I[stim_ch[ps], stim_i[ps]] += stim_w[ps]
                ps += 1
            blk_work += ps - ps0
        else:
            for q in range(n_ring):
                s = rb[slot, q]
                for e in range(seg_start[s], seg_end[s]):
                    j = tgt[e]
                    if not active[j]:
                        catch_fn(j, k - last[j], dt, S, P)
                        active[j] = True
                        act[n_act] = j
                        n_act += 1
                        blk_work += WAKE_COST
                    I[ch[e], j] += w[e]
            while ps < stim_k.size and stim_k[ps] == k:
                j = stim_i[ps]
                if not active[j]:
                    catch_fn(j, k - last[j], dt, S, P)
                    active[j] = True
                    act[n_act] = j
                    n_act += 1
                    blk_work += WAKE_COST
                I[stim_ch[ps], j] += stim_w[ps]
                ps += 1
        for r in range(n_rec):
            rec[k - k_start, r] = S[rec_row, rec_i[r]]
        n_new = 0
        n_spk = 0
        if dense:
            n_dense += 1
            n_all = all_fn(t, dt, S, P, I, iext_all, out8)
            if n_all > 0:
                for q in range(n8):
                    if out64[q] != 0:
                        for i in range(8 * q, 8 * q + 8):
                            if out8[i] != 0:
                                spk[n_spk] = i
                                n_spk += 1
                        if n_spk == n_all:
                            break
            # zero exactly the inputs delivered in this step
            for q in range(n_ring):
                s = rb[slot, q]
                for e in range(seg_start[s], seg_end[s]):
                    I[ch[e], tgt[e]] = 0.0
            for q in range(ps0, ps):
                I[stim_ch[q], stim_i[q]] = 0.0
        else:
            blk_work += n_act
            if use_pop:
                pop_fn(act, n_act, t, dt, S, P, I, itot, flags)
            for a in range(n_act):
                i = act[a]
                if use_pop:
                    spiked = flags[a]
                else:
                    spiked = step_fn(i, t, dt, S, P, I, itot)
                for c in range(n_ch):
                    I[c, i] = 0.0
                if spiked:
                    spk[n_spk] = i
                    n_spk += 1
                # the sleep test costs a few exp/log: try it right after a neuron was woken
                # (most inputs leave it unable to spike: back to sleep at once; measured 40 %
                # less work at FlyWire scale than waiting) and then every 8th step only
                # (exact either way)
                if (use_sleep and ((k & 7) == 0 or a >= n_old) and not pinned[i]
                        and sleep_fn(i, t + dt, dt, S, P)):
                    active[i] = False
                    last[i] = k + 1
                else:
                    act[n_new] = i
                    n_new += 1
            # ascending neuron order, as the dense pass finds them
            if n_spk > 16:
                spk[:n_spk] = np.sort(spk[:n_spk])
            else:
                for q in range(1, n_spk):
                    x = spk[q]
                    d = q - 1
                    while d >= 0 and spk[d] > x:
                        spk[d + 1] = spk[d]
                        d -= 1
                    spk[d + 1] = x
        rb_n[slot] = 0
        # Record this step's spikes and queue their deliveries.  Buffers grow here, outside
        # the per-neuron loop: an array variable reassigned inside that loop makes numba
        # reference-count it on every iteration (measured: ~2.5x the whole step's cost).
        if n_spk > 0:
            if n_sp + n_spk > sp_cap:
                if n_sp + n_spk > max_spikes:
                    status = STATUS_MAX_SPIKES
                    break
                sp_cap = min(max(2 * sp_cap, n_sp + n_spk), max_spikes)
                tmp_i = np.empty(sp_cap, np.int32)
                tmp_k = np.empty(sp_cap, np.int64)
                tmp_i[:n_sp] = sp_i[:n_sp]
                tmp_k[:n_sp] = sp_k[:n_sp]
                sp_i = tmp_i
                sp_k = tmp_k
            cap2 = _ring_capacity(rb_n, seg_ptr, spk, 0, n_spk, cap)
            if cap2 > cap:
                rb2 = np.empty((n_slots, cap2), np.int64)
                rb2[:, :cap] = rb
                rb = rb2
                cap = cap2
            for q in range(n_spk):
                i = spk[q]
                sp_i[n_sp] = i
                sp_k[n_sp] = k
                n_sp += 1
                for s in range(seg_ptr[i], seg_ptr[i + 1]):
                    sl = (k + seg_dsteps[s]) % n_slots
                    rb[sl, rb_n[sl]] = s
                    rb_n[sl] += 1
        if status != STATUS_OK:
            break
        # a NaN/inf state means the integrator blew up
        if vrow >= 0:
            if dense:
                # every 8th step (and the last) in the dense pass: a whole-row check costs
                # ~15 % of the pass.  Exponent bits all set <=> inf or NaN; a max over the
                # masked bits vectorises.
                if (k & 7) == 7 or k == n_steps - 1:
                    bits = S[vrow].view(np.uint64)
                    top = np.uint64(0)
                    for i in range(N):
                        x = bits[i] & np.uint64(0x7FF0000000000000)
                        top = x if x > top else top
                    if top == np.uint64(0x7FF0000000000000):
                        status = STATUS_NONFINITE
            else:
                for a in range(n_new):
                    i = act[a]
                    if not np.isfinite(S[vrow, i]):
                        status = STATUS_NONFINITE
        if status != STATUS_OK:
            break
        if not dense:
            n_act = n_new
        k += 1
    for i in range(N):
        if not active[i]:
            catch_fn(i, k - last[i], dt, S, P)
    return sp_i[:n_sp].copy(), sp_k[:n_sp].copy(), rec[:k - k_start], status, k, n_dense


@numba.njit(cache=True, nogil=True)
def run_event(recv_fn, obs_fn, n_steps, dt, S, P, Q,
              tgt, w, ch, seg_ptr, seg_start, seg_end, seg_delay,
              stim_t, stim_i, stim_w, stim_ch,
              rec_i, max_spikes, max_fire_per_step):
    """Run an event-driven (NEURON ARTIFICIAL_CELL-style) network for ``n_steps`` steps.

    Events keep exact times (ms); the step ``dt`` only organises the queue.  ``Q`` holds each
    neuron's self-event (time, flag).  ``stim_*`` are external events sorted by time.

    Buffers grow only at step level, never inside the per-event or per-neuron loops: an array
    variable reassigned inside a loop makes numba reference-count it on every iteration
    (measured ~2.5x the whole run).  A step's spikes are queued for delivery after all its
    neurons ran (delays >= dt, so nothing they send is due within the step).

    Returns ``(spike_neuron int32[], spike_time float64[], rec float64[steps, n_rec], status,
    step_reached)``.
    """
    N = S.shape[1]
    max_d = 0.0
    for s in range(seg_delay.size):
        if seg_delay[s] > max_d:
            max_d = seg_delay[s]
    n_slots = int(max_d / dt) + 3
    cap = 256
    rb_s = np.empty((n_slots, cap), np.int64)
    rb_t = np.empty((n_slots, cap), np.float64)
    rb_n = np.zeros(n_slots, np.int64)
    ev_cap = 1024
    ev_i = np.empty(ev_cap, np.int64)
    ev_t = np.empty(ev_cap, np.float64)
    ev_w = np.empty(ev_cap, np.float64)
    ev_c = np.empty(ev_cap, np.int64)
    head = np.full(N, -1, np.int64)
    nxt = np.empty(ev_cap, np.int64)
    touched = np.empty(N, np.int64)
    scratch = np.empty(ev_cap, np.int64)
    sp_cap = 1024
    sp_i = np.empty(sp_cap, np.int32)
    sp_t = np.empty(sp_cap, np.float64)
    ov_i = List.empty_list(numba.int64)      # spikes beyond sp_cap within one step (rare)
    ov_t = List.empty_list(numba.float64)
    n_sp = 0
    n_rec = rec_i.size
    rec = np.empty((n_steps, n_rec))
    ps = 0
    status = STATUS_OK
    k = 0
    while k < n_steps:
        t0 = k * dt
        t1 = (k + 1) * dt
        for r in range(n_rec):
            rec[k, r] = obs_fn(rec_i[r], t0, S, P)
        slot = k % n_slots
        n_ring = rb_n[slot]
        # room for this step's events (ring segments + external stimuli), grown here
        need = 0
        for q in range(n_ring):
            s = rb_s[slot, q]
            need += seg_end[s] - seg_start[s]
        p2 = ps
        while p2 < stim_t.size and stim_t[p2] < t1:
            p2 += 1
        need += p2 - ps
        if need > ev_cap:
            ev_cap = max(2 * ev_cap, need)
            ev_i = np.empty(ev_cap, np.int64)
            ev_t = np.empty(ev_cap, np.float64)
            ev_w = np.empty(ev_cap, np.float64)
            ev_c = np.empty(ev_cap, np.int64)
            nxt = np.empty(ev_cap, np.int64)
            scratch = np.empty(ev_cap, np.int64)
        # room for as many spikes as events + self-events (more go to ov_*)
        if n_sp + need + N > sp_cap:
            sp_cap = max(2 * sp_cap, n_sp + need + N)
            tmp_i = np.empty(sp_cap, np.int32)
            tmp_t = np.empty(sp_cap, np.float64)
            tmp_i[:n_sp] = sp_i[:n_sp]
            tmp_t[:n_sp] = sp_t[:n_sp]
            sp_i = tmp_i
            sp_t = tmp_t
        n_ev = 0
        n_touch = 0
        # gather events of this step (ring first, then external stimuli), linked per target
        q = 0
        while True:
            if q < n_ring:
                s = rb_s[slot, q]
                ta = rb_t[slot, q]
                e0 = seg_start[s]
                e1 = seg_end[s]
                q += 1
            elif ps < stim_t.size and stim_t[ps] < t1:
                e0 = -1
                e1 = 0
                ta = stim_t[ps]
            else:
                break
            e = e0
            while e < e1:
                if e0 < 0:
                    j = stim_i[ps]
                    ev_w[n_ev] = stim_w[ps]
                    ev_c[n_ev] = stim_ch[ps]
                    ps += 1
                    e = e1
                else:
                    j = tgt[e]
                    ev_w[n_ev] = w[e]
                    ev_c[n_ev] = ch[e]
                    e += 1
                ev_i[n_ev] = j
                ev_t[n_ev] = ta
                if head[j] < 0:
                    touched[n_touch] = j
                    n_touch += 1
                nxt[n_ev] = head[j]
                head[j] = n_ev
                n_ev += 1
        rb_n[slot] = 0
        # neurons with a self-event due in this step
        for i in range(N):
            if Q[0, i] < t1 and head[i] < 0:
                touched[n_touch] = i
                n_touch += 1
                head[i] = -2
        sp0 = n_sp
        for a in range(n_touch):
            i = touched[a]
            # collect this neuron's events, in time order (stable on arrival order)
            cnt = 0
            q = head[i]
            while q >= 0:
                cnt += 1
                q = nxt[q]
            idx = scratch
            q = head[i]
            c = cnt - 1
            while q >= 0:
                idx[c] = q
                c -= 1
                q = nxt[q]
            head[i] = -1
            # stable insertion sort by time (a neuron gets few events per step)
            for c in range(1, cnt):
                x = idx[c]
                tx = ev_t[x]
                d = c - 1
                while d >= 0 and ev_t[idx[d]] > tx:
                    idx[d + 1] = idx[d]
                    d -= 1
                idx[d + 1] = x
            p = 0
            nf = 0
            while True:
                ts = Q[0, i]
                te = ev_t[idx[p]] if p < cnt else np.inf
                if ts < t1 and ts <= te:
                    flag = Q[1, i]
                    Q[0, i] = np.inf
                    tev = ts
                    fired = recv_fn(i, ts, 0.0, 0, flag, S, P, Q)
                elif p < cnt:
                    q = idx[p]
                    tev = ev_t[q]
                    fired = recv_fn(i, tev, ev_w[q], ev_c[q], 0.0, S, P, Q)
                    p += 1
                else:
                    break
                if fired:
                    nf += 1
                    if nf > max_fire_per_step:
                        status = STATUS_RUNAWAY
                        break
                    if n_sp < sp_cap:
                        sp_i[n_sp] = i
                        sp_t[n_sp] = tev
                        n_sp += 1
                    else:
                        ov_i.append(i)
                        ov_t.append(tev)
            if status != STATUS_OK:
                break
        if status != STATUS_OK:
            break
        if len(ov_i) > 0:
            sp_cap = 2 * (n_sp + len(ov_i))
            tmp_i = np.empty(sp_cap, np.int32)
            tmp_t = np.empty(sp_cap, np.float64)
            tmp_i[:n_sp] = sp_i[:n_sp]
            tmp_t[:n_sp] = sp_t[:n_sp]
            for q in range(len(ov_i)):
                tmp_i[n_sp] = ov_i[q]
                tmp_t[n_sp] = ov_t[q]
                n_sp += 1
            sp_i = tmp_i
            sp_t = tmp_t
            ov_i.clear()
            ov_t.clear()
        if n_sp > max_spikes:
            n_sp = max_spikes
            status = STATUS_MAX_SPIKES
            break
        # queue this step's spikes (in emission order); grow the ring first if needed
        if n_sp > sp0:
            cap2 = _ring_capacity(rb_n, seg_ptr, sp_i, sp0, n_sp, cap)
            if cap2 > cap:
                r2 = np.empty((n_slots, cap2), np.int64)
                r2[:, :cap] = rb_s
                rb_s = r2
                r3 = np.empty((n_slots, cap2), np.float64)
                r3[:, :cap] = rb_t
                rb_t = r3
                cap = cap2
            for q in range(sp0, n_sp):
                i = sp_i[q]
                tev = sp_t[q]
                for s in range(seg_ptr[i], seg_ptr[i + 1]):
                    ta = tev + seg_delay[s]
                    ka = int(ta / dt)
                    if ka <= k:
                        ka = k + 1
                    sl = ka % n_slots
                    rb_s[sl, rb_n[sl]] = s
                    rb_t[sl, rb_n[sl]] = ta
                    rb_n[sl] += 1
        k += 1
    return sp_i[:n_sp].copy(), sp_t[:n_sp].copy(), rec[:k], status, k


# ----------------------------------------------------------------------------- specialisation
# numba cannot cache a kernel that receives jitted functions as arguments (the function type
# is process-specific), so each model gets a small generated module in which the model's
# functions are globals; those modules are cached on disk like any other.
_HEADER = '''# generated by connectome_sim.engine.network.specialise -- do not edit
# source hash: {hash}
import numba
import numpy as np
from numba.typed import List
from connectome_sim.engine.network import STATUS_OK, STATUS_MAX_SPIKES, STATUS_RUNAWAY, STATUS_NONFINITE
from connectome_sim.engine.network import BLOCK, DENSE_RATIO, WAKE_COST, _ring_capacity
{imports}
'''
_SPECIALISED = {}


def specialise(kind, fns):
    """Return the run kernel of ``kind`` ('clock' or 'event') bound to the model functions.

    ``fns`` maps the kernel's function-parameter names (``step_fn``, ``pop_fn``, ``all_fn``,
    ``sleep_fn``, ``catch_fn`` / ``recv_fn``, ``obs_fn``) to numba dispatchers.
    """
    import hashlib
    import inspect
    import sys

    from .codegen import load_module

    if kind == "clock" and "pop_fn" not in fns:
        # callers written before step_population existed: same kernel, use_pop = False
        full = specialise(kind, {"step_fn": fns["step_fn"], "pop_fn": _no_population,
                                 "all_fn": _no_step_all,
                                 "sleep_fn": fns["sleep_fn"], "catch_fn": fns["catch_fn"]})
        return lambda *args: full(False, False, *args)
    if kind == "clock" and "all_fn" not in fns:
        # callers written before step_all existed: use_all = False
        full = specialise(kind, {"step_fn": fns["step_fn"], "pop_fn": fns["pop_fn"],
                                 "all_fn": _no_step_all,
                                 "sleep_fn": fns["sleep_fn"], "catch_fn": fns["catch_fn"]})
        return lambda use_pop, *args: full(use_pop, False, *args)
    key = (kind,) + tuple((k, id(v)) for k, v in sorted(fns.items()))
    if key in _SPECIALISED:
        return _SPECIALISED[key]
    base = run_clock if kind == "clock" else run_event
    src = inspect.getsource(base.py_func)
    params = list(fns)
    for p in params:
        src = src.replace(f"{p}, ", "", 1)
    imports = []
    dep_src = ""
    for p, f in fns.items():
        py = f.py_func
        imports.append(f"from {py.__module__} import {py.__name__} as {p}")
        dep_src += inspect.getsource(sys.modules[py.__module__])
    # the whole engine module is hashed too: numba's cache of the generated module does not
    # notice a changed helper imported from here (e.g. _ring_capacity)
    dep_src += inspect.getsource(sys.modules[__name__])
    h = hashlib.sha1((src + dep_src).encode()).hexdigest()[:16]
    text = _HEADER.format(hash=h, imports="\n".join(imports)) + "\n\n" + src
    name = f"cs_{kind}_" + "_".join(f.py_func.__name__ for f in fns.values())
    mod = load_module(text, name)
    fn = getattr(mod, base.py_func.__name__)
    _SPECIALISED[key] = fn
    return fn
