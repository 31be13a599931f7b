"""The documentation: the mkdocs site builds in strict mode, and every public function and
class has a numpydoc docstring (with a Parameters section when it takes arguments)."""

import importlib
import importlib.util
import inspect
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Subpackages / modules whose ``__all__`` is the public API.
PUBLIC_MODULES = ["connectome_sim", "connectome_sim.morphology", "connectome_sim.cable",
                  "connectome_sim.network", "connectome_sim.network.models",
                  "connectome_sim.plotting", "connectome_sim.stimuli", "connectome_sim.datasets",
                  "connectome_sim.errors", "connectome_sim.io.edges", "connectome_sim.io.nwb",
                  "connectome_sim.reduced",
                  "connectome_sim.mechanisms", "connectome_sim.distributed"]

#: Unit words/symbols that count as "the docstring states units".
UNIT_RE = re.compile(r"\b(ms|mV|µm|um|µm²|Hz|nA|pA|µS|uS|nS|S/cm²|S/cm2|Ω·cm|ohm|µF/cm²|"
                     r"uF/cm2|MΩ|°C|pF|nF|mm|s)\b|dimensionless|unitless|count|number of|"
                     r"fraction|index|seed|pixel|µ|Ω|°")


@pytest.mark.skipif(shutil.which("mkdocs") is None and importlib.util.find_spec("mkdocs") is None,
                    reason="mkdocs not installed (docs extra)")
def test_mkdocs_build_strict(tmp_path):
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                        "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                       cwd=tmp_path, capture_output=True, text=True, timeout=600,
                       env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})
    assert r.returncode == 0, f"mkdocs build --strict failed:\n{r.stdout}\n{r.stderr}"
    assert (tmp_path / "site" / "index.html").exists()


def _public_objects():
    seen = {}
    for modname in PUBLIC_MODULES:
        if importlib.util.find_spec(modname) is None:
            continue
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and \
                    getattr(obj, "__module__", "").startswith("connectome_sim"):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return seen


def _params(func):
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    return [p for p in sig.parameters.values() if p.name not in ("self", "cls")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _numeric(p):
    return isinstance(p.default, (int, float)) and not isinstance(p.default, bool) or \
        str(p.annotation) in ("float", "int", "float | None", "int | None")


def _check(qualname, func, doc, problems, unit_gaps):
    if not doc or not doc.strip():
        problems.append(f"{qualname}: no docstring")
        return
    params = _params(func)
    if params and not re.search(r"Parameters\n-{3,}|Attributes\n-{3,}", doc) and \
            not re.search(r"\bsee\b|:func:|:meth:", doc):
        problems.append(f"{qualname}: docstring has no Parameters section "
                        f"(parameters: {[p.name for p in params]})")
    if any(_numeric(p) for p in params) and not UNIT_RE.search(doc):
        unit_gaps.append(qualname)


def _audit():
    problems, unit_gaps = [], []
    for qualname, obj in sorted(_public_objects().items()):
        if inspect.isfunction(obj):
            _check(qualname, obj, inspect.getdoc(obj), problems, unit_gaps)
            continue
        if issubclass(obj, BaseException):  # exception classes: a docstring suffices
            if not inspect.getdoc(obj):
                problems.append(f"{qualname}: no docstring")
            continue
        # cleandoc: on Python < 3.13 a class's raw __doc__ keeps its indentation, which would
        # hide an indented "Parameters\n    ----------" section from the regex below
        cdoc = inspect.cleandoc(obj.__doc__ or "")
        init = obj.__dict__.get("__init__")
        idoc = inspect.cleandoc(init.__doc__ or "") if init else ""
        _check(qualname, init if init else (lambda: None), cdoc + "\n" + idoc, problems,
               unit_gaps)
        for mname, member in vars(obj).items():
            if mname.startswith("_") or not inspect.isfunction(member):
                continue
            mq = f"{qualname}.{mname}"
            doc = inspect.getdoc(member)
            if not doc:
                problems.append(f"{mq}: no docstring")
            elif _params(member) and "Parameters" not in doc and len(doc.splitlines()) > 3:
                # short one-paragraph docstrings of simple methods are accepted when they
                # name their arguments; longer ones need a numpydoc Parameters section
                problems.append(f"{mq}: docstring has no Parameters section")
    return problems, unit_gaps


#: Gaps found in other areas' code at the deadline and reported to the lead (their owners fix
#: them; this file's owner does not edit their modules).  New gaps fail
#: ``test_no_new_docstring_gaps``; ``test_known_docstring_gaps_are_fixed`` shows the backlog as
#: an expected failure until the list is empty (then delete the entries and the xfail).
KNOWN_GAPS = set({
    'connectome_sim.cable.circuit.Circuit.run_simulation',
    'connectome_sim.cable.model.CompartmentModel.add_current_record',
    'connectome_sim.cable.model.CompartmentModel.add_voltage_record',
    'connectome_sim.cable.model.CompartmentModel.connect',
    'connectome_sim.cable.model.CompartmentModel.plot_results',
    'connectome_sim.io.edges.detect_columns',
    'connectome_sim.mechanisms.channel.Channel',
    'connectome_sim.mechanisms.channel.Gate',
    'connectome_sim.mechanisms.channel.Gate.kind',
    'connectome_sim.mechanisms.channel.get_mechanism',
    'connectome_sim.mechanisms.channel.register_mechanism',
    'connectome_sim.mechanisms.point.AlphaSynapse',
    'connectome_sim.mechanisms.point.Exp2Syn',
    'connectome_sim.mechanisms.point.Exp2Syn.kernel_params',
    'connectome_sim.mechanisms.point.ExpSyn',
    'connectome_sim.mechanisms.point.ExpSyn.kernel_params',
    'connectome_sim.mechanisms.point.IClamp',
    'connectome_sim.mechanisms.point.exp2syn_factor',
    'connectome_sim.morphology.geometry.CableGeometry.node_to_compartment',
    'connectome_sim.morphology.skeleton.Morphology',
    'connectome_sim.network.models.base.Param',
    'connectome_sim.network.models.base.State',
    'connectome_sim.network.models.base.get_model',
    'connectome_sim.network.network.PointNetwork',
    'connectome_sim.network.network.PointNetwork.connect',
    'connectome_sim.reduced.examples.plot_bap',
    'connectome_sim.reduced.examples.run_bap_example',
    'connectome_sim.reduced.neuron.ReducedNeuron.connect',
    'connectome_sim.reduced.neuron.ReducedNeuron.initial_state',
    'connectome_sim.reduced.reduction.group_labels',
    'connectome_sim.stimuli.poisson_times',
    'connectome_sim.stimuli.regular_times',
})


def test_no_new_docstring_gaps():
    problems, unit_gaps = _audit()
    if unit_gaps:
        warnings.warn("public API whose numeric parameters state no unit: " +
                      ", ".join(unit_gaps))
    new = [p for p in problems if p.split(":")[0] not in KNOWN_GAPS]
    assert not new, "docstring gaps (numpydoc Parameters section needed):\n" + "\n".join(new)


@pytest.mark.xfail(reason="backlog of docstring gaps in other areas (KNOWN_GAPS)", strict=False)
def test_known_docstring_gaps_are_fixed():
    problems, _ = _audit()
    left = sorted(p for p in problems if p.split(":")[0] in KNOWN_GAPS)
    assert not left, "still open:\n" + "\n".join(left)


def test_plotting_and_cli_docstrings_state_units():
    """The modules of this area are held to the stricter rule: units wherever numbers go in."""
    _problems, unit_gaps = _audit()
    mine = [q for q in unit_gaps if q.startswith(("connectome_sim.plotting",
                                                  "connectome_sim.cli_commands"))]
    assert not mine, f"numeric parameters without units: {mine}"
