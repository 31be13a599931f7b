"""The binary interface between the cable kernel and its density-mechanism kernels.

The cable kernel (``templates/cable_kernel.py.j2``) is the same for every model: it knows no
mechanism.  Each kernel mechanism (hh, hh with rate tables, every user channel) is a separate
small module rendered from its own template whose entry point is a numba ``cfunc`` with the C
signature :data:`MECH_SIG`; the kernel receives the entry points' addresses as data (an int64
array) and calls them through :func:`call_mechanism_`.  A new channel therefore compiles only
its own few loops, never the kernel, and the kernel is compiled once per install.

A mechanism's entry point ``mech(mode, n, npad, ld, nc, v, comp, par, st, dd, rhs, glob, dt,
celsius)`` works on one block of instances (one cell's, or all of them):

=========  ==================================================================================
mode       :data:`SETUP` (once per run: fill ``glob`` from ``dt`` ms and ``celsius`` °C, e.g.
           rate tables), :data:`INIT` (states at their steady state for ``v``),
           :data:`STATES` (advance the states over ``dt`` with the new ``v``).  INIT and
           STATES end by adding, for the next step, the conductances (µS) to
           ``dd[comp[k]]`` and the currents' ``sum g*e`` (µS·mV = nA) to ``rhs[comp[k]]``
           for the ``n`` real instances: the conductance of step n+1 depends only on the
           states after step n and on v(t_n+1), which STATES has at hand.
n, npad    real instances in the block, and the block's padded length (a multiple of
           :data:`PAD`; the padding repeats the last instance and never feeds a current, so
           that every real instance goes through the same vectorised loop body whatever its
           position or the block's length).  INIT and STATES run over ``npad``.
ld         row stride of ``par`` and ``st`` (structure of arrays: row r of instance k at
           ``r * ld + k``; a block is a column range of the mechanism's arrays).  ``par``,
           ``st`` and ``comp`` start on :data:`ALIGN`-byte boundaries, and so do the
           blocks' rows (``ld`` and the blocks' first columns are multiples of PAD): the
           kernels do not rely on it for correctness, only for speed.
nc         number of compartments (length of ``v``, ``dd``, ``rhs``).
v          membrane potentials (mV) by compartment; ``comp`` (uint32) the block's compartments.
par        rows: 0 the area factor ``area * 1e-2`` (S/cm² -> µS), then the parameters.
st         rows: the states (recordable), then the mechanism's private work rows.
glob       the mechanism's per-run constants (filled by SETUP).
=========  ==================================================================================

Also here: :func:`vexp_`, the exponential the mechanism kernels use in their loops (no libm
call, so LLVM vectorises those loops), :func:`vexp_range_`, the same exponential applied in
place to a range of an array eight lanes at a time, and :data:`ABI_VERSION`, part of every
generated module's hash.  Units: mV, ms, µS, nA, °C.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["MECH_SIG", "SETUP", "INIT", "STATES", "PAD", "ABI_VERSION",
           "call_mechanism_", "setup_mechanisms", "init_mechanisms", "vexp_", "vexp_range_",
           "vexp8_", "ALIGN", "aligned_zeros"]

#: Bump when the signature, the modes or the layout change (it is part of every generated
#: module's source, hence of its cache key).
ABI_VERSION = "2"

SETUP, INIT, STATES = 0, 1, 3

#: Instance blocks are padded to a multiple of this (any float64 vector width times LLVM's
#: interleave count divides it).
PAD = 32

#: Byte alignment of the mechanisms' parameter and state arrays (a cache line, and the
#: width of vexp8_'s vectors).  numpy aligns to 16 bytes only, and where an array lands
#: varies from run to run: a vector load or store straddling two cache lines cost the hh
#: kernel 6-8 % and made its speed depend on the allocation.
ALIGN = 64


def aligned_zeros(shape, dtype=np.float64) -> np.ndarray:
    """A C-contiguous array of zeros whose data starts on an :data:`ALIGN`-byte boundary
    (a view into a slightly larger buffer)."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    buf = np.zeros(count * dtype.itemsize + ALIGN, np.uint8)
    skip = -buf.ctypes.data % ALIGN
    return buf[skip:skip + count * dtype.itemsize].view(dtype).reshape(shape)

_F = types.float64
_PF = types.CPointer(types.float64)
_PU = types.CPointer(types.uint32)
_I = types.int64

#: C signature of a mechanism entry point (see the module docstring).
MECH_SIG = types.void(_I, _I, _I, _I, _I, _PF, _PU, _PF, _PF, _PF, _PF, _PF, _F, _F)


@intrinsic
def call_mechanism_(typingctx, addr, mode, n, npad, ld, v, comp, comp_off, par, par_off, st,
                    st_off, dd, rhs, glob, glob_off, dt, celsius):
    """Call the mechanism entry point at address ``addr`` (int64) on arrays of the kernel.

    ``comp[comp_off:]``, ``par[par_off:]``, ``st[st_off:]`` and ``glob[glob_off:]`` are the
    block's views (offsets in elements); ``v``, ``dd``, ``rhs`` are passed whole.
    """
    sig = types.void(addr, mode, n, npad, ld, v, comp, comp_off, par, par_off, st, st_off,
                     dd, rhs, glob, glob_off, dt, celsius)

    def codegen(context, builder, signature, args):
        (addr_, mode_, n_, npad_, ld_, v_, comp_, coff_, par_, poff_, st_, soff_, dd_, rhs_,
         glob_, goff_, dt_, cel_) = args
        i64, dbl = ir.IntType(64), ir.DoubleType()
        pd, pu = dbl.as_pointer(), ir.IntType(32).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i64, i64, i64, i64, i64, pd, pu, pd, pd, pd,
                                               pd, pd, dbl, dbl])
        aty = signature.args

        def data(k, val):
            return context.make_array(aty[k])(context, builder, value=val).data

        nc = builder.extract_value(
            context.make_array(aty[5])(context, builder, value=v_).shape, 0)
        fn = builder.inttoptr(addr_, fnty.as_pointer())
        builder.call(fn, [mode_, n_, npad_, ld_, nc, data(5, v_),
                          builder.gep(data(6, comp_), [coff_]),
                          builder.gep(data(8, par_), [poff_]),
                          builder.gep(data(10, st_), [soff_]),
                          data(12, dd_), data(13, rhs_),
                          builder.gep(data(14, glob_), [goff_]), dt_, cel_])
        return context.get_dummy_value()

    return sig, codegen


# ----------------------------------------------------------------------------- from Python
# The once-per-run and once-per-trial calls (SETUP, INIT) go through ctypes: compiling them
# as kernels of their own cost more than half a second on a first run, for a loop over a few
# mechanisms and cells.  Same entry points, same arguments, hence the same bits.
_C_SIG = ctypes.CFUNCTYPE(None, *[ctypes.c_int64] * 5, *[ctypes.c_void_p] * 7,
                          ctypes.c_double, ctypes.c_double)
_ENTRIES: dict = {}


def _entry(addr: int):
    fn = _ENTRIES.get(addr)
    if fn is None:
        fn = _ENTRIES[addr] = _C_SIG(int(addr))
    return fn


def _ptr(a, off=0):
    if not a.flags.c_contiguous:
        raise ValueError("mechanism arrays must be C-contiguous")
    return a.ctypes.data + int(off) * a.itemsize


def setup_mechanisms(m_info, m_blk, m_comp, m_par, m_glob, dt: float, celsius: float,
                     v0) -> None:
    """Mode SETUP of every mechanism (columns of ``m_info``: entry point, row stride, offsets
    in comp, par, state and glob): fill each one's per-run constants in ``m_glob`` for ``dt``
    (ms) and ``celsius`` (°C).  ``v0`` (mV, float64) stands for the arrays SETUP does not read."""
    v0 = np.ascontiguousarray(v0, np.float64)
    pv = _ptr(v0)
    for j in range(m_info.shape[1]):
        _entry(m_info[0, j])(SETUP, 0, 0, int(m_info[1, j]), v0.shape[0], pv, _ptr(m_comp),
                             _ptr(m_par), pv, pv, pv, _ptr(m_glob, m_info[5, j]), float(dt),
                             float(celsius))


def init_mechanisms(m_info, m_blk, m_comp, m_par, m_glob, n_cells: int, dt: float,
                    celsius: float, v, st, dd, rhs) -> None:
    """Mode INIT of every mechanism on each cell's block: the states at steady state for ``v``
    (mV), their conductances (µS) added to ``dd`` and currents (nA) to ``rhs`` (``m_blk``
    rows: first slot, real and padded instances of each mechanism in each cell)."""
    for a in (v, st, dd, rhs):
        if a.dtype != np.float64:
            raise ValueError("mechanism state arrays must be float64")
    pv, pd, pr = _ptr(v), _ptr(dd), _ptr(rhs)
    for c in range(n_cells):
        for j in range(m_info.shape[1]):
            npad = int(m_blk[2, j, c])
            if npad > 0:
                lo = int(m_blk[0, j, c])
                _entry(m_info[0, j])(INIT, int(m_blk[1, j, c]), npad, int(m_info[1, j]),
                                     v.shape[0], pv, _ptr(m_comp, m_info[2, j] + lo),
                                     _ptr(m_par, m_info[3, j] + lo), _ptr(st, m_info[4, j] + lo),
                                     pd, pr, _ptr(m_glob, m_info[5, j]), float(dt),
                                     float(celsius))


@intrinsic
def _pow2_(typingctx, k):
    """2.0 ** k for an int64 k in [-1022, 1023], built from its exponent bits."""
    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        bits = builder.shl(builder.add(args[0], ir.Constant(i64, 1023)),
                           ir.Constant(i64, 52))
        return builder.bitcast(bits, ir.DoubleType())
    return types.float64(types.int64), codegen


# (exp(r) - 1 - r) / r**2 on |r| <= ln(2)/2: Chebyshev fit of degree 9 computed with mpmath
# (``chebyfit``, 60 digits; fit error 1.0e-16, i.e. 1.3e-17 relative to exp(r)), rounded to
# float64.
_C2, _C3, _C4, _C5 = 0.5000000000000001, 0.16666666666666669, 0.041666666666624164, \
    0.008333333333330065
_C6, _C7, _C8, _C9 = 0.0013888888917196719, 0.00019841269863040545, \
    2.4801521322368692e-05, 2.7557268480310024e-06
_C10, _C11 = 2.7620075879983367e-07, 2.5100375832561234e-08


@njit(inline="always", fastmath={"contract"})
def vexp_(x):
    """exp(x) in a form LLVM vectorises (no libm call, no table).

    Cody–Waite reduction ``x = k ln2 + r`` (|r| <= ln2 / 2, ln2 split in two parts), the
    polynomial ``1 + r + r^2 q(r)`` with q the degree-9 fit above evaluated by Estrin's
    scheme (short dependency chains), and ``2**k`` applied as two exact powers of two so that
    results are right down to the subnormal range.  Faithfully rounded: within 1 ulp of the
    correctly rounded exp (about 90 % of results identical to it) for x in [-708.39, 709.78];
    overflows to inf, underflows to 0, passes NaN through.
    """
    x = -750.0 if x < -750.0 else x  # keeps 2**k representable; NaN compares false
    x = 750.0 if x > 750.0 else x
    k = math.floor(x * 1.4426950408889634 + 0.5)
    r = x - k * 0.6931471803691238
    r = r - k * 1.9082149292705877e-10
    r2 = r * r
    r4 = r2 * r2
    a0 = _C2 + _C3 * r
    a1 = _C4 + _C5 * r
    a2 = _C6 + _C7 * r
    a3 = _C8 + _C9 * r
    a4 = _C10 + _C11 * r
    q = (a0 + a1 * r2) + r4 * ((a2 + a3 * r2) + a4 * r4)
    p = 1.0 + (r + r2 * q)
    ki = int(k) if k == k else 0
    k1 = ki >> 1
    return (p * _pow2_(k1)) * _pow2_(ki - k1)


#: lanes of :func:`vexp_range_`
_W = 8


def _target_has_avx512f() -> bool:
    """Whether numba compiles for a CPU with AVX-512F (numba's own rule: NUMBA_CPU_FEATURES
    if set, else the host's features)."""
    from llvmlite import binding
    from numba.core import config
    feats = config.CPU_FEATURES if config.CPU_FEATURES is not None else \
        binding.get_host_cpu_features().flatten()
    return "+avx512f" in feats.split(",")


def _vexp_ir(builder, x):
    """IR of :func:`vexp_` on a vector of _W doubles: the same operations in the same order,
    so lanes give the bits of the scalar function.  ``2**k`` is applied with AVX-512's
    ``vscalefpd`` where numba targets AVX-512F (one instruction instead of eight, exact over
    the whole range, NaN propagating), else as two exact powers of two built from their
    exponent bits."""
    mod = builder.module
    dv = ir.VectorType(ir.DoubleType(), _W)
    iv = ir.VectorType(ir.IntType(64), _W)

    def c(val, ty=dv):
        return ir.Constant(ty, [val] * _W)

    def decl(name, args):
        fn = mod.globals.get(name)
        return fn if fn is not None else ir.Function(mod, ir.FunctionType(dv, args), name=name)

    fma = decl(f"llvm.fma.v{_W}f64", [dv] * 3)
    floor = decl(f"llvm.floor.v{_W}f64", [dv])

    def f(a, b, d):
        return builder.call(fma, [a, b, d])

    x = builder.select(builder.fcmp_ordered("<", x, c(-750.0)), c(-750.0), x)
    x = builder.select(builder.fcmp_ordered(">", x, c(750.0)), c(750.0), x)
    k = builder.call(floor, [f(x, c(1.4426950408889634), c(0.5))])
    r = f(builder.fneg(k), c(0.6931471803691238), x)
    r = f(builder.fneg(k), c(1.9082149292705877e-10), r)
    r2 = builder.fmul(r, r)
    r4 = builder.fmul(r2, r2)
    a0, a1, a2, a3, a4 = (f(c(hi), r, c(lo)) for lo, hi in
                          ((_C2, _C3), (_C4, _C5), (_C6, _C7), (_C8, _C9), (_C10, _C11)))
    q = f(r4, f(a4, r4, f(a3, r2, a2)), f(a1, r2, a0))
    p = builder.fadd(c(1.0), f(r2, q, r))
    if _W == 8 and _target_has_avx512f():
        scalef = decl("llvm.x86.avx512.mask.scalef.pd.512",
                      [dv, dv, dv, ir.IntType(8), ir.IntType(32)])
        return builder.call(scalef, [p, k, ir.Constant(dv, ir.Undefined),
                                     ir.Constant(ir.IntType(8), -1),
                                     ir.Constant(ir.IntType(32), 4)])
    ki = builder.select(builder.fcmp_ordered("==", k, k), builder.fptosi(k, iv), c(0, iv))
    k1 = builder.ashr(ki, c(1, iv))

    def pow2(e):
        return builder.bitcast(builder.shl(builder.add(e, c(1023, iv)), c(52, iv)), dv)

    return builder.fmul(builder.fmul(p, pow2(k1)), pow2(builder.sub(ki, k1)))


@intrinsic
def vexp8_(typingctx, a, i):
    """a.flat[i:i+8] = vexp_(a.flat[i:i+8]) on one vector of eight doubles of a C-contiguous
    float64 array of any dimension (LLVM keeps it in one 512-bit register where the CPU has
    AVX-512, else splits it).  The mechanism templates call it in their own loops: an
    inlined :func:`vexp_range_` cost a mechanism's first compilation a copy of its IR per
    call."""
    def codegen(context, builder, signature, args):
        arr = context.make_array(signature.args[0])(context, builder, value=args[0])
        vp = builder.bitcast(builder.gep(arr.data, [args[1]]),
                             ir.VectorType(ir.DoubleType(), _W).as_pointer())
        builder.store(_vexp_ir(builder, builder.load(vp, align=8)), vp, align=8)
        return context.get_dummy_value()
    return types.void(a, i), codegen


@njit(inline="always")
def vexp_range_(a, lo, hi):
    """``a[lo:hi] = exp(a[lo:hi])`` in place (the bits of :func:`vexp_`), eight lanes at a
    time: ``hi - lo`` must be a multiple of 8 (block lengths are multiples of PAD)."""
    for i in range(lo, hi, _W):
        vexp8_(a, i)
