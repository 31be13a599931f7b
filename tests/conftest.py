"""Shared pytest configuration."""

import os

# Plots must never try to open a browser or a window in tests.
os.environ.setdefault("MPLBACKEND", "Agg")

import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

_CHILD_FLAG = "CONNECTOME_SIM_TEST_CHILD"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run tests marked ``subprocess`` in a fresh interpreter.

    NEST keeps a process-wide kernel; after NEURON, numba threads and others have been loaded
    by earlier tests in the same process, ``nest.ResetKernel()`` has segfaulted in CI, taking
    the whole run down.  Such tests run alone in a child pytest, and their failures are
    reported here with the child's output.
    """
    if pyfuncitem.get_closest_marker("subprocess") is None or os.environ.get(_CHILD_FLAG):
        return None
    env = dict(os.environ, **{_CHILD_FLAG: "1"})
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        pyfuncitem.nodeid], cwd=str(pyfuncitem.config.rootpath), env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"test failed in its own process (exit {r.returncode}):\n"
                    f"{r.stdout[-6000:]}\n{r.stderr[-3000:]}", pytrace=False)
    return True
