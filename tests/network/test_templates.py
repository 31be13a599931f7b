"""The network kernel templates: rendered by engine.codegen (undefined names are errors) and
every name they define in the reserved namespace (starting or ending with '_')."""

import ast

import jinja2
import pytest

from connectome_sim.engine import codegen
from connectome_sim.network.models import get_model

TEMPLATES = ["network_clock.py.j2", "network_event.py.j2", "network_continuous.py.j2"]


def _render(name, parallel=True, sparse=True):
    return codegen.render(name, imports=[("m", "f", "step")], parallel=parallel, sparse=sparse,
                          source_hash="0", has_pop=True, has_all=True, prefetch=sparse)


def _defined_names(tree):
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef,)):
            out.add(node.name)
            out.update(a.arg for a in node.args.args)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, ast.alias):
            out.add(node.asname or node.name)
    return out


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_every_name_a_template_defines_is_reserved(name, parallel, sparse):
    tree = ast.parse(_render(name, parallel, sparse))
    bad = sorted(n for n in _defined_names(tree)
                 if not (n.startswith("_") or n.endswith("_")) and n not in ("numba", "np"))
    assert not bad, f"{name}: names outside the reserved namespace: {bad}"


def test_an_undefined_template_name_is_an_error():
    with pytest.raises(jinja2.UndefinedError):
        codegen.render("network_clock.py.j2", imports=[], parallel=False, source_hash="0",
                       sparse=True, has_all=True, prefetch=True)    # has_pop missing


def test_kernels_load_through_codegen_and_are_cached_per_model():
    from connectome_sim.engine import network as eng

    k1 = eng.kernel(get_model("LIF"))
    k2 = eng.kernel(get_model("LIF"))
    assert k1 is k2 and k1.mod.__file__.startswith(codegen.cache_dir())
    assert "LIF network kernel (clock)" == k1.what


@pytest.mark.parametrize("kinds", [("clock", "continuous"), ("continuous", "clock", "clock")])
def test_every_name_the_fused_lockstep_defines_is_reserved(kinds):
    src = codegen.render("network_fused.py.j2", source_hash="0",
                         groups=[{"kind": k, "module": f"m{i}"} for i, k in enumerate(kinds)])
    tree = ast.parse(src)
    bad = sorted(n for n in _defined_names(tree)
                 if not (n.startswith("_") or n.endswith("_")) and n not in ("numba", "np"))
    assert not bad, f"network_fused.py.j2: names outside the reserved namespace: {bad}"
    # each group's kernel is called under its own name, in the groups' order
    calls = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name) and n.func.id.startswith("adv")]
    assert calls == [f"adv{i}_" for i in range(len(kinds))]
    with pytest.raises(jinja2.UndefinedError):
        codegen.render("network_fused.py.j2", groups=[])          # source_hash missing
