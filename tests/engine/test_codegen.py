"""The kernel generator and loader (connectome_sim.engine.codegen)."""

import subprocess
import sys
import textwrap

import jinja2
import pytest

from connectome_sim.engine import codegen


@pytest.mark.parametrize("name", ["_x", "step_", "1a", "a-b", "for", "match", "range", "np",
                                  "exp", "v", "dt", ""])
def test_reserved_or_invalid_names_refused(name):
    with pytest.raises(ValueError, match=repr(name).replace("(", r"\(")[:6] if name else "valid"):
        codegen.check_identifier(name, "gate")


@pytest.mark.parametrize("name", ["m", "h_inf", "gNaBar", "step", "v_half"])
def test_user_names_accepted(name):
    assert codegen.check_identifier(name, "gate") == name


def test_undefined_template_name_is_an_error():
    tmpl = codegen._environment().from_string("x = {{ defined }} + {{ missing }}")
    with pytest.raises(jinja2.UndefinedError):
        tmpl.render(defined=1)


def test_loader_is_process_safe(tmp_path):
    """Four processes load the same new source at once: one file, no partial read."""
    src = "VALUE = 42\n"
    code = textwrap.dedent(f"""
        import os
        os.environ['CONNECTOME_SIM_CACHE'] = {str(tmp_path)!r}
        from connectome_sim.engine import codegen
        m = codegen.load_module({src!r}, 'cs_test')
        assert m.VALUE == 42
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    files = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert len(files) == 1 and files[0].startswith("cs_test_") and files[0].endswith(".py")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _uncompiled_module(tmp_path, monkeypatch):
    """A stand-in kernel module numba has never compiled, notices on, and a stream."""
    import io
    import types

    monkeypatch.setattr(codegen, "VERBOSE", True)
    path = tmp_path / "never_compiled_kernel.py"
    path.write_text("")
    return types.SimpleNamespace(__file__=str(path)), io.StringIO()


def test_compile_notice_once_when_trials_call_together(tmp_path, monkeypatch):
    # threaded trials all make a kernel's first call at once: one notice, not one per trial
    import threading
    import time

    mod, stream = _uncompiled_module(tmp_path, monkeypatch)
    start = threading.Barrier(4)

    def first_call():
        start.wait()
        with codegen.compile_notice("test kernel", mod, stream=stream):
            time.sleep(0.05)

    threads = [threading.Thread(target=first_call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = stream.getvalue().splitlines()
    assert sum("compiling the test kernel" in ln for ln in lines) == 1, lines
    assert sum("compiled and run in" in ln for ln in lines) == 1, lines


def test_compile_notice_again_after_an_interrupted_first_call(tmp_path, monkeypatch):
    # a first call stopped (Ctrl-C in a notebook, an error) must not silence the next one
    mod, stream = _uncompiled_module(tmp_path, monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        with codegen.compile_notice("test kernel", mod, stream=stream):
            raise KeyboardInterrupt
    with codegen.compile_notice("test kernel", mod, stream=stream):
        pass
    lines = stream.getvalue().splitlines()
    assert sum("compiling the test kernel" in ln for ln in lines) == 2, lines
    assert "stopped after" in lines[1] and "compiled and run in" in lines[-1], lines


def test_jit_modules_follow_the_call_graph():
    # a point-network kernel's file name hashes every module its model functions reach:
    # numba's cache of the kernel would not notice an edit to _ifcore (called via adex)
    from connectome_sim.network.models import get_model

    M = get_model("AdEx")
    mods = codegen.jit_modules([M.step, M.step_all])
    assert {"connectome_sim.network.models.adex", "connectome_sim.network.models._ifcore",
            "connectome_sim.network.models._common"} <= set(mods)
    assert codegen.jit_modules([None]) == []
