"""The state loops of hh and of a user channel run in SIMD lanes: checked on the optimised
LLVM IR and the machine code numba produces (freshly compiled, uncached, so it can be read).

What is asserted holds on any x86-64 (SSE2 and up): the divisions of the rate loops are
vector divisions (``fdiv <N x double>``, N >= 2: the loop was vectorised by LLVM), the
exponentials of the gate updates run eight lanes at a time (``llvm.floor.v8f64``), and the
user's rate functions, inlined, are vectorised too.  The report prints the register widths
seen (ymm: 4 lanes, zmm: 8 lanes)."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from connectome_sim.engine import cable_codegen
from connectome_sim.mechanisms import HH, HHTable
from connectome_sim.mechanisms.examples import A_TYPE_K


def _fresh(mech, tmp_path):
    """The mechanism's entry point compiled now, without numba's cache."""
    src = cable_codegen._mechanism_source(mech).replace("cache=True", "cache=False")
    name = f"fresh_{type(mech).__name__.lower()}_{abs(hash(src)) % 10**8}"
    path = tmp_path / f"{name}.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod.mech_


def _widths(pattern, text):
    return sorted({int(w) for w in re.findall(pattern, text)})


@pytest.mark.parametrize("mech", [HH(), A_TYPE_K], ids=["hh", "user channel"])
def test_rate_and_gate_loops_are_vectorised(mech, tmp_path):
    fn = _fresh(mech, tmp_path)
    ir = fn.inspect_llvm()
    asm = fn._library.get_asm_str()
    fdiv = _widths(r"fdiv [a-z ]*<(\d+) x double>", ir)
    print(f"{mech.name}: vector fdiv widths {fdiv}; ymm operands {asm.count('ymm')}, "
          f"zmm operands {asm.count('zmm')}, vscalefpd {asm.count('vscalefpd')}")
    assert fdiv and max(fdiv) >= 2, "the rate loop's divisions are not vectorised"
    assert 8 in _widths(r"llvm\.floor\.v(\d+)f64", ir)  # the exponentials, 8 lanes
    if mech is A_TYPE_K:
        # the user's rate functions, inlined into the rate loops with their exponentials,
        # are vectorised by LLVM too (at its own width: 2 with SSE, 4 with AVX2, ...)
        floors = re.findall(r"call [^\n]*@llvm\.floor\.v(\d+)f64", ir)
        assert {"2", "4"} & set(floors) or floors.count("8") > 2, floors


def test_table_lookups_are_the_only_scalar_loop(tmp_path):
    """hh with NEURON's rate tables: the lookups gather from a run-time table (scalar loop,
    where the layout needs it), the gate updates still run in eight lanes."""
    ir = _fresh(HHTable(), tmp_path).inspect_llvm()
    assert 8 in _widths(r"llvm\.floor\.v(\d+)f64", ir)
