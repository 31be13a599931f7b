"""Every notebook in tutorials/ runs top to bottom without error (nbclient).

Each notebook runs in a fresh kernel with a temporary working directory, so files it writes do
not land in the repository.  New notebooks are picked up automatically.
"""

import time
from pathlib import Path

import pytest

import nbformat
import nbclient

TUTORIALS = Path(__file__).resolve().parents[1] / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))


def test_there_are_tutorials():
    names = [p.name[:2] for p in NOTEBOOKS]
    assert {"01", "02", "03", "04", "05"} <= set(names), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:  # show the failing cell's error
        pytest.fail(f"{path.name} failed:\n{e}", pytrace=False)
    print(f"{path.name}: {time.perf_counter() - t0:.1f} s")
    stderr = [o.get("text", "") for cell in nb.cells for o in cell.get("outputs", [])
              if o.get("name") == "stderr"]
    widget = [t for t in stderr if "IProgress" in t]
    assert not widget, f"{path.name} warns about notebook progress bars: {widget[0][:200]}"
