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


@pytest.fixture
def lockstep_run(monkeypatch):
    """``run(net, fused=True, duration=100.0, **kw)``: run a point network whose groups are
    coupled by gap junctions in the fused compiled loop (compiled whatever the run's length)
    or, with ``fused=False``, in the step-by-step Python exchange; returns (spikes, voltage
    records, [whether the fused loop was chosen])."""
    from connectome_sim.network import simulate as sim

    monkeypatch.setattr(sim, "FUSED_AFTER_STEPS", 0)
    orig = sim.EngineRun.__init__

    def run(net, fused=True, duration=100.0, **kw):
        seen = []

        def init(self, *a, **k):
            orig(self, *a, **k)
            seen.append(self.fused)
            if not fused:
                self.fused = False

        monkeypatch.setattr(sim.EngineRun, "__init__", init)
        try:
            sp = net.run_simulation(duration, seed=5, **kw).copy()
        finally:
            monkeypatch.setattr(sim.EngineRun, "__init__", orig)
        return sp, net.records["v"].copy(), seen

    return run
