"""Every subpackage imports on its own, first, in a fresh interpreter: the package loads
lazily, so an import cycle between subpackages only shows when a user's first import is a
subpackage (``from connectome_sim.multiscale import ...``)."""

import pkgutil
import subprocess
import sys

import connectome_sim

PACKAGES = sorted(m.name for m in pkgutil.walk_packages(connectome_sim.__path__,
                                                        "connectome_sim.") if m.ispkg)


def test_every_subpackage_imports_first():
    # a fresh interpreter per subpackage (the first import is the one that matters)
    code = ("import subprocess, sys\nfor name in sys.argv[1:]:\n"
            "    r = subprocess.run([sys.executable, '-c', f'import {name}'], "
            "capture_output=True, text=True)\n"
            "    if r.returncode: print(name, '->', r.stderr.strip().splitlines()[-1])\n")
    r = subprocess.run([sys.executable, "-c", code, *PACKAGES], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "", f"subpackages that fail as a first import:\n{r.stdout}"
