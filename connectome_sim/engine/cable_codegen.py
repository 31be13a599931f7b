"""Generate, compile and cache the cable step kernel for a set of density mechanisms.

A model's density mechanisms (pas is folded into constants; hh and user channels are not) are
compiled into ONE specialised numba function: the time loop, the Hines solve, the point
processes and the code of every inserted mechanism live in the same generated source, so there
is no Python and no indirect call inside the time loop.  The source is written to a cache
directory as a module (``cs_cable_<hash>.py``) and imported, so numba's on-disk cache
(``cache=True``) works across processes; the hash covers the whole source, so a changed
mechanism gives a new kernel.

Mechanisms are passed duck-typed (the engine imports only numpy and numba): each provides

``name``            identifier (used as a prefix)
``param_names``     tuple of per-instance parameter names (the kernel receives an array
                    ``(n_instances, 1 + len(param_names))``; column 0 is the membrane area
                    factor ``area * 1e-2`` converting S/cm² to µS)
``state_names``     tuple of state names (stored in one flat float64 array per trial)
``helpers``         module-level source (njit helper functions), may be ``''``
``prelude``         source run once per trial before the loop (locals: ``dt``, ``celsius``)
``code_init``       body setting the states from ``v`` (locals: params, ``v``)
``code_current``    body setting ``g_`` (S/cm²) and ``ge_`` (S/cm² · mV, i.e. sum g·e)
                    from the states and ``v``
``code_states``     body advancing the states over ``dt`` with the new ``v``

Optional (used by :class:`connectome_sim.mechanisms.hh.HHTable`): ``stage_names``,
``code_stage`` and ``code_states_staged`` split the state update into a lookup loop and a
vectorisable update loop (see :func:`_staged_loops`).

Per step the kernel (1) detects spikes and delivers events, (2) adds the mechanisms' and
point processes' conductances and currents to the right-hand side, which already holds the
capacitive and constant terms, (3) refactorises only the compartments whose subtree has a
varying conductance (density mechanisms: every step; synapses: on the steps they conduct;
the quiet system is factorised once, see :mod:`~connectome_sim.engine.cable_solver`), (4) runs the two branch-free Hines sweeps over
the compartments in level order (``rhs[parent[i]] += f[i] * rhs[i]`` from the leaves, then
``x[i] = rhs[i] / d[i] + f[i] * x[parent[i]]`` from the roots), (5) in one vectorised loop
updates v, checks for blow-up and assembles the next step's right-hand side, and (6)
advances the states.  Compartment indices in the hot loops are unsigned so that numba emits
no negative-index wraparound code.

The kernel is compiled with fused multiply-add contraction (``fastmath={'contract'}``) and
no other fast-math flag: NaN/inf checks stay valid and results differ from NEURON's only by
rounding.  It uses numpy's error model (a division by zero gives inf/NaN, which the blow-up
check then reports with its time and compartment, instead of raising inside the loop): this
lets LLVM vectorise the state-update loops.

Units: ms, mV, nF, µS, nA.
"""

from __future__ import annotations

import textwrap

from .codegen import cache_dir, load_module

__all__ = ["get_kernel", "cache_dir", "load_source", "KERNEL_VERSION", "EVENT_INIT_SRC",
           "EVENT_STEP_SRC", "point_process_src"]

KERNEL_VERSION = "13"

#: instance count granularity of the vectorised state loops (a multiple of any vector width
#: times unroll LLVM picks for float64)
_PAD = 32


def _indent(src: str, n: int) -> str:
    return textwrap.indent(textwrap.dedent(src).strip("\n"), " " * n) + "\n"


def _mech_loop(m, j: int, body: str, load_states: bool, store_states: bool, ind: int,
               gathered: bool = False, padded: bool = False, st: str = "st_",
               base: str = "offp{j} + ") -> str:
    """Loop over the instances of mechanism j with params/states loaded as locals.

    With ``gathered`` the voltages are first copied to the contiguous buffer ``vb{j}_`` and
    the loop body touches no compartment-indexed array: LLVM can then vectorise it (the
    state updates are most of the time of an hh model).  Gathered and ``padded`` loops
    run over ``np{j}_`` instances, a multiple of _PAD: the copies beyond the real ones
    (duplicates of the last instance, never feeding a current) make every real instance go
    through the vector body, so its result does not depend on its position or the count.
    ``st`` names the state array and ``base`` starts the expression of an instance's first
    state index (``"offp{j} + "``; ``""`` when ``st`` is a view of mechanism j's states).
    """
    ns = len(m.state_names)
    if gathered:
        out = [f"for k in range(np{j}_):",
               f"    vb{j}_[k] = vv_[cp{j}_[k]]",
               f"for k in range(np{j}_):",
               f"    v = vb{j}_[k]"]
    else:
        out = [f"for k in range({'np' if padded else 'n'}{j}_):",
               f"    c_ = cp{j}_[k]",
               "    v = vv_[c_]"]
    out.append(f"    afac_ = pp{j}_[k, 0]")
    for c, p in enumerate(m.param_names):
        out.append(f"    {p} = pp{j}_[k, {c + 1}]")
    if ns:
        out.append(f"    sb_ = {base.format(j=j)}k * {ns}")
    if load_states:
        for c, s in enumerate(m.state_names):
            out.append(f"    {s} = {st}[sb_ + {c}]")
    src = "\n".join(out) + "\n" + _indent(body, 4)
    if store_states:
        src += "".join(f"    {st}[sb_ + {c}] = {s}\n" for c, s in enumerate(m.state_names))
    return _indent(src, ind)


def _staged_loops(m, j: int, ind: int) -> str:
    """State update in two loops for mechanisms with ``stage_names`` (optional protocol).

    ``code_stage`` computes the locals ``stage_names`` from ``v`` alone (e.g. rate-table
    lookups: gathers from a run-time table, which keep a loop scalar); they are stored per
    instance, and ``code_states_staged`` then updates the states from them in a loop that
    touches only instance-ordered arrays, so LLVM vectorises it.  ``code_states`` must give
    the same result in one loop (kernels that do not know this protocol use it).
    """
    ns = len(m.stage_names)
    head = [f"for k in range(np{j}_):", f"    v = vv_[cp{j}_[k]]"]
    src = "\n".join(head) + "\n" + _indent(m.code_stage, 4)
    src += "".join(f"    sg{j}_[k * {ns} + {c}] = {x}\n" for c, x in enumerate(m.stage_names))
    body = "".join(f"{x} = sg{j}_[k * {ns} + {c}]\n" for c, x in enumerate(m.stage_names))
    body += textwrap.dedent(m.code_states_staged)
    loop2 = _mech_loop(m, j, body, True, True, 0, padded=True)
    loop2 = loop2.replace("    v = vv_[c_]\n", "").replace(f"    c_ = cp{j}_[k]\n", "")
    return _indent(src + loop2, ind)


def generate_source(mechs) -> str:
    """Python source of the kernel module for the mechanisms ``mechs`` (in order)."""
    margs = "".join(f"m{j}_comp, m{j}_par, " for j in range(len(mechs)))
    helpers = "\n\n".join(textwrap.dedent(m.helpers) for m in mechs if m.helpers)
    prelude = "".join(_indent(m.prelude, 4) for m in mechs if m.prelude)
    offsets = "    off0 = 0\n    offp0 = 0\n"
    for j, m in enumerate(mechs):
        ns = len(m.state_names)
        offsets += (f"    n{j}_ = m{j}_comp.shape[0]\n"
                    f"    np{j}_ = (n{j}_ + {_PAD - 1}) // {_PAD} * {_PAD}\n"
                    f"    cp{j}_ = np.empty(np{j}_, dtype=np.uint32)\n"
                    f"    pp{j}_ = np.empty((np{j}_, m{j}_par.shape[1]))\n"
                    f"    for k in range(np{j}_):\n"
                    f"        kk = min(k, n{j}_ - 1)\n"
                    f"        cp{j}_[k] = m{j}_comp[kk]\n"
                    f"        for c in range(m{j}_par.shape[1]):\n"
                    f"            pp{j}_[k, c] = m{j}_par[kk, c]\n"
                    f"    off{j + 1} = off{j} + n{j}_ * {ns}\n"
                    f"    offp{j + 1} = offp{j} + np{j}_ * {ns}\n"
                    f"    vb{j}_ = np.empty(np{j}_)\n")
    # state records arrive as indices into the unpadded layout (state_offsets)
    offsets += "    rs_ = rec_s.copy()\n    for r in range(rec_s.shape[0]):\n"
    for j in range(len(mechs)):
        offsets += (f"        if rec_s[r] >= off{j} and rec_s[r] < off{j + 1}:\n"
                    f"            rs_[r] = offp{j} + rec_s[r] - off{j}\n")
    if not mechs:
        offsets += "        pass\n"
    nst = f"offp{len(mechs)}"
    init = "".join(_mech_loop(m, j, m.code_init, False, True, 4, padded=True)
                   for j, m in enumerate(mechs))
    cur_body = "{}\ndd_[c_] += g_ * afac_\nrhs_[c_] += ge_ * afac_\n"
    current = "".join(_mech_loop(m, j, cur_body.format(textwrap.dedent(m.code_current)),
                                 True, False, 8) for j, m in enumerate(mechs))
    states = "".join(_staged_loops(m, j, 8) if getattr(m, "stage_names", ())
                     else _mech_loop(m, j, m.code_states, True, True, 8, gathered=True)
                     for j, m in enumerate(mechs))
    for j, m in enumerate(mechs):
        if getattr(m, "stage_names", ()):
            offsets += f"    sg{j}_ = np.empty(np{j}_ * {len(m.stage_names)})\n"
    src = _TEMPLATE.format(margs=margs, helpers=helpers, prelude=prelude, offsets=offsets,
                           nst=nst, init=init, current=current, states=states,
                           version=KERNEL_VERSION,
                           names=", ".join(m.name for m in mechs) or "(none)")
    return src


def get_kernel(mechs):
    """Return the compiled module (``run_one``, ``run_trials``) for the mechanisms ``mechs``."""
    return load_source(generate_source(mechs), "cs_cable")


def load_source(src: str, prefix: str):
    """Import generated source through the one loader (:func:`.codegen.load_module`)."""
    return load_module(src, prefix)


def point_process_src(icl: str = "n_icl", alp: str = "n_alp", syn: str = "n_syn",
                      flags: bool = True) -> str:
    """Source of step 5 of a time step: IClamps, AlphaSynapses and two-exponential synapses.

    Evaluated at ``tm_ = t_ + dt/2`` (ms) with ``vv_`` (mV): currents (nA) and conductance
    times reversal (µS·mV) added to ``rhs_``, conductances (µS) to ``dd_``, point-process
    currents stored in ``ipp``.  ``icl``, ``alp``, ``syn`` are the ``range`` arguments of
    the three instance loops; with ``flags`` a conducting synapse marks its compartment in
    ``dirty_`` and sets ``anyd_`` (the single-cell kernel's selective refactorisation).
    Shared with the circuit kernel (:mod:`connectome_sim.cable.circuit_kernels`).
    """
    mark = "        dirty_[c_] = True\n        anyd_ = True\n" if flags else ""
    return (f"for k in range({icl}):\n"
            "    c_ = icl_comp[k]\n"
            "    a = 0.0\n"
            "    if tm_ >= icl_par[k, 0] and tm_ < icl_par[k, 0] + icl_par[k, 1]:\n"
            "        a = icl_par[k, 2]\n"
            "    rhs_[c_] += a\n"
            "    ipp[k] = a\n"
            f"for k in range({alp}):\n"
            "    c_ = alp_comp[k]\n"
            "    x = (tm_ - alp_par[k, 0]) / alp_par[k, 1]\n"
            "    g = 0.0\n"
            "    if x > 0.0 and x <= 10.0:\n"
            "        g = alp_par[k, 2] * x * math.exp(1.0 - x)\n"
            f"        dd_[c_] += g\n{mark}"
            "    rhs_[c_] += g * alp_par[k, 3]\n"
            "    ipp[n_icl + k] = g * (vv_[c_] - alp_par[k, 3])\n"
            f"for k in range({syn}):\n"
            "    c_ = syn_comp[k]\n"
            "    g = sB[k] - sA[k]\n"
            "    if g != 0.0:\n"
            f"        dd_[c_] += g\n{mark}"
            "    rhs_[c_] += g * syn_par[k, 2]\n"
            "    ipp[n_icl + n_alp + k] = g * (vv_[c_] - syn_par[k, 2])\n")


#: Allocation of the point-process and event state used by :data:`EVENT_STEP_SRC` and
#: :func:`point_process_src` (currents ``ipp`` in nA, synaptic terms ``sA``, ``sB`` in µS,
#: NetCon ring buffer, threshold flags, spike count); shared with the circuit kernel.
EVENT_INIT_SRC = '''
n_icl = icl_comp.shape[0]
n_alp = alp_comp.shape[0]
n_syn = syn_comp.shape[0]
ipp = np.zeros(n_icl + n_alp + n_syn)
sA = np.zeros(n_syn)
sB = np.zeros(n_syn)
ring = np.zeros((ring_len, n_syn))
n_det = det_comp.shape[0]
flag = np.zeros(n_det, dtype=np.bool_)
cap_spk = spk_det.shape[1]
nspk = 0
'''


#: Steps 1-2 of a time step, shared with the circuit kernel
#: (:mod:`connectome_sim.cable.circuit_kernels`): NetCon threshold detection on ``vv_`` at
#: ``t_`` (ms) with spike records and delivery into the ring buffer ``ring`` after each
#: NetCon's delay, then delivery of the ring slot and of the external events due by
#: ``t_ + dt/2`` to the synapses' two exponential terms ``sA``, ``sB`` (µS).
EVENT_STEP_SRC = '''
# 1. threshold detection on v(t_) (NetCon semantics: upward crossing, strict >)
for q in range(n_det):
    if vv_[det_comp[q]] > det_thr[q]:
        if not flag[q]:
            flag[q] = True
            if nspk < cap_spk:
                spk_det[tr, nspk] = q
                spk_step[tr, nspk] = step
            nspk += 1
            for c in range(nc_ptr[q], nc_ptr[q + 1]):
                ta = t_ + nc_delay[c]
                ks = int(math.ceil((ta - half_) / dt))
                if ks < step:
                    ks = step
                while ks * dt + half_ < ta:
                    ks += 1
                while ks > step and (ks - 1) * dt + half_ >= ta:
                    ks -= 1
                ring[ks % ring_len, nc_syn[c]] += nc_w[c]
    else:
        flag[q] = False
# 2. deliver events due by t_ + dt/2
slot = step % ring_len
for j in range(n_syn):
    w = ring[slot, j]
    if w != 0.0:
        sA[j] += w * syn_par[j, 3]
        sB[j] += w * syn_par[j, 4]
        ring[slot, j] = 0.0
tdel = t_ + half_
while ev_p < ev_end and ev_time[ev_p] <= tdel:
    j = ev_syn[ev_p]
    w = ev_w[ev_p]
    sA[j] += w * syn_par[j, 3]
    sB[j] += w * syn_par[j, 4]
    ev_p += 1
'''


_TEMPLATE = '''"""Generated cable kernel (connectome_sim, kernel version {version}); mechanisms: {names}.
Do not edit: regenerated from the mechanism definitions."""
import math
import numpy as np
from numba import njit, prange


{helpers}


@njit(cache=True, fastmath={{'contract'}}, error_model='numpy')
def run_one(tr, nsteps, dt, cn, celsius, v_init, par, nroot, newid, gax, cv, dstat, rconst, fstat, invd0, hot_idx, dyn_idx,
            {margs}icl_comp, icl_par, alp_comp, alp_par, syn_comp, syn_par,
            ev_ptr, ev_time, ev_syn, ev_w,
            det_comp, det_thr, nc_ptr, nc_syn, nc_w, nc_delay, ring_len,
            rec_v, rec_s, rec_i, rec_every, out_rec, spk_det, spk_step, spk_n, err):
    ncomp_ = par.shape[0]
    vv_ = np.empty(ncomp_)
    for i in range(ncomp_):
        vv_[i] = v_init
    xx_ = np.empty(ncomp_)
    dd_ = dstat.copy()
    rhs_ = np.empty(ncomp_)
    invd = invd0.copy()
    ff = fstat.copy()
    dirty_ = np.zeros(ncomp_, dtype=np.bool_)
    anyd_ = False
    wasd_ = False
    n_dyn = dyn_idx.shape[0]
    n_hot = hot_idx.shape[0]
    nfw_ = ncomp_ - nroot
    last_ = ncomp_ - 1
{prelude}{offsets}    st_ = np.zeros({nst})
{init}
''' + _indent(EVENT_INIT_SRC, 4) + '''    half_ = 0.5 * dt
    n_rv = rec_v.shape[0]
    n_rs = rec_s.shape[0]
    n_ri = rec_i.shape[0]
    # point-process currents at t_ = 0 (NEURON evaluates them in finitialize)
    for k in range(n_alp):
        ipp[n_icl + k] = 0.0
    for r in range(n_rv):
        out_rec[tr, r, 0] = vv_[rec_v[r]]
    for r in range(n_rs):
        out_rec[tr, n_rv + r, 0] = st_[rs_[r]]
    for r in range(n_ri):
        out_rec[tr, n_rv + n_rs + r, 0] = ipp[rec_i[r]]
    ev_p = ev_ptr[tr]
    ev_end = ev_ptr[tr + 1]
    # right-hand side of the first step (later ones are assembled in the v-update loop)
    for i in range(ncomp_):
        rhs_[i] = rconst[i] + cv[i] * vv_[i]
    for step in range(nsteps):
        t_ = step * dt
''' + _indent(EVENT_STEP_SRC, 8) + '''        # 3. rhs_ holds the capacitive and constant terms (rconst + cv * v, assembled with
        #    the previous solve); dd_ is the quiet diagonal at the varying sites
        # 4. density mechanisms (conductances on the diagonal)
{current}
        # 5. point processes, evaluated at t_ + dt/2 with v(t_)
        tm_ = t_ + half_
''' + _indent(point_process_src(), 8) + '''        # 6. Hines solve in level order (cable_solver.level_order: roots first, parent[i] < i,
        #    consecutive compartments mostly independent).  The factors of the quiet system
        #    (no time-varying conductance: ff = gax / d, invd = 1 / d) are computed once.
        #    Compartments with a density mechanism in their subtree ("hot", hot_idx) are
        #    refactorised every step, without flags.  The other compartments with a synapse
        #    in their subtree (dyn_idx) are refactorised, as NEURON would, only on steps when
        #    a synapse below them has a non-zero conductance ("dirty"), and their quiet
        #    factors are put back the step after; they are eliminated first (no hot
        #    compartment has a dyn_idx parent).  Compartment indices in the hot loops are
        #    unsigned (c_), so numba emits no negative-index wraparound code.
        if anyd_ or wasd_:
            for k in range(n_dyn - 1, -1, -1):
                c_ = dyn_idx[k]
                if dirty_[c_]:
                    iv = 1.0 / dd_[c_]
                    fi = gax[c_] * iv
                    invd[c_] = iv
                    ff[c_] = fi
                    if c_ >= nroot:
                        p_ = par[c_]
                        # replace the quiet-system contribution of c_ by the actual one
                        dd_[p_] += (fstat[c_] - fi) * gax[c_]
                        dirty_[p_] = True
                    dirty_[c_] = False
                else:
                    invd[c_] = invd0[c_]
                    ff[c_] = fstat[c_]
                dd_[c_] = dstat[c_]
            wasd_ = anyd_
            anyd_ = False
        for k in range(n_hot - 1, -1, -1):
            c_ = hot_idx[k]
            iv = 1.0 / dd_[c_]
            fi = gax[c_] * iv
            invd[c_] = iv
            ff[c_] = fi
            p_ = par[c_]
            dd_[p_] += (fstat[c_] - fi) * gax[c_]
            dd_[c_] = dstat[c_]
        # forward sweep: rhs of each compartment eliminated into its parent's
        for k in range(nfw_):
            c_ = np.uint64(last_ - k)
            rhs_[par[c_]] += ff[c_] * rhs_[c_]
        # back-substitution x_i = rhs_i / d_i + (gax_i / d_i) x_parent (x = v(t + dt) for
        # backward Euler, v(t + dt/2) for Crank-Nicolson), then in a separate loop that
        # LLVM vectorises: v, the blow-up check and the next step's rhs (capacitive +
        # constant terms)
        for k in range(nroot):
            c_ = np.uint64(k)
            xx_[c_] = rhs_[c_] * invd[c_]
        for k in range(nroot, ncomp_):
            c_ = np.uint64(k)
            xx_[c_] = rhs_[c_] * invd[c_] + ff[c_] * xx_[par[c_]]
        bad_ = False
        if cn:
            for i in range(ncomp_):
                x = 2.0 * xx_[i] - vv_[i]
                vv_[i] = x
                rhs_[i] = rconst[i] + cv[i] * x
                bad_ |= not (abs(x) <= 1e4)
        else:
            for i in range(ncomp_):
                x = xx_[i]
                vv_[i] = x
                rhs_[i] = rconst[i] + cv[i] * x
                bad_ |= not (abs(x) <= 1e4)
        if bad_:
            # first offending compartment in the caller's numbering
            bad = 0
            for j in range(ncomp_):
                if not (abs(vv_[newid[j]]) <= 1e4):
                    bad = j
                    break
            err[tr, 0] = step + 1
            err[tr, 1] = bad
            spk_n[tr] = nspk
            return
        # 7. states advanced with the new v (staggered as NEURON's nonvint)
{states}
        for k in range(n_syn):
            sA[k] *= syn_par[k, 0]
            sB[k] *= syn_par[k, 1]
        # 8. records
        if (step + 1) % rec_every == 0:
            col = (step + 1) // rec_every
            for r in range(n_rv):
                out_rec[tr, r, col] = vv_[rec_v[r]]
            for r in range(n_rs):
                out_rec[tr, n_rv + r, col] = st_[rs_[r]]
            for r in range(n_ri):
                out_rec[tr, n_rv + n_rs + r, col] = ipp[rec_i[r]]
    spk_n[tr] = nspk


@njit(cache=True, parallel=True)
def run_trials(n_trials, nsteps, dt, cn, celsius, v_init, par, nroot, newid, gax, cv, dstat, rconst, fstat, invd0, hot_idx, dyn_idx,
               {margs}icl_comp, icl_par, alp_comp, alp_par, syn_comp, syn_par,
               ev_ptr, ev_time, ev_syn, ev_w,
               det_comp, det_thr, nc_ptr, nc_syn, nc_w, nc_delay, ring_len,
               rec_v, rec_s, rec_i, rec_every, out_rec, spk_det, spk_step, spk_n, err):
    for tr in prange(n_trials):
        run_one(tr, nsteps, dt, cn, celsius, v_init, par, nroot, newid, gax, cv, dstat, rconst, fstat, invd0, hot_idx, dyn_idx,
                {margs}icl_comp, icl_par, alp_comp, alp_par, syn_comp, syn_par,
                ev_ptr, ev_time, ev_syn, ev_w,
                det_comp, det_thr, nc_ptr, nc_syn, nc_w, nc_delay, ring_len,
                rec_v, rec_s, rec_i, rec_every, out_rec, spk_det, spk_step, spk_n, err)
'''
