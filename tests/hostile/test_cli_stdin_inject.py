"""Hostile command lines: '-' for standard input (not read: said so, not 'does not exist'),
current pulses that would inject nothing (the default start after the run's end, zero
duration), coordinates in units that would need more compartments than memory holds."""

import pandas as pd
import pytest

from connectome_sim.errors import SkeletonError
from connectome_sim.morphology import build_geometry

from hostile_files import fails, write

SWC = "1 1 0 0 0 5 -1\n2 3 0 0 10 1 1\n3 3 0 0 20 1 2\n"


@pytest.fixture
def files(tmp_path):
    e = tmp_path / "edges.csv"
    pd.DataFrame({"source": [1, 2], "target": [2, 1], "weight": [5, 5]}).to_csv(e, index=False)
    return e, write(tmp_path, "n.swc", SWC)


STDIN = [
    (lambda e, s: ["network", "-", "--stimulate", "1"], r"edge list '-': reading from standard "
                                                         "input is not supported"),
    (lambda e, s: ["network", str(e), "--stimulate-file", "-"],
     r"--stimulate-file '-': reading from standard input is not supported"),
    (lambda e, s: ["network", str(e), "--stimulate", "1", "--labels", "-"],
     r"--labels '-': reading from standard input is not supported"),
    (lambda e, s: ["neuron", "-"], r"skeleton '-': reading from standard input is not supported"),
]


@pytest.mark.parametrize("argv,rx", STDIN, ids=["edges", "stimulate-file", "labels", "skeleton"])
def test_stdin_dash(files, tmp_path, capsys, monkeypatch, argv, rx):
    monkeypatch.chdir(tmp_path)
    fails(argv(*files) + ["--duration", "2", "--quiet", "--out", str(tmp_path / "o")], capsys, rx)


INJECT = [
    ("2:0.1", "2", r"--inject '2:0\.1': the pulse starts at 5 ms, when the run \(--duration 2 "
                   r"ms\) is over; give a start, e\.g\. 2:0\.1:0"),
    ("2:0.1:3", "2", r"the pulse starts at 3 ms, when the run \(--duration 2 ms\) is over"),
    ("2:0.1:2", "2", r"the pulse starts at 2 ms, when the run \(--duration 2 ms\) is over"),
    ("2:0.1:0:0", "2", r"--inject '2:0\.1:0:0': the duration must be > 0 ms"),
]


@pytest.mark.parametrize("spec,duration,rx", INJECT, ids=[c[0] for c in INJECT])
def test_inject_that_injects_nothing(files, tmp_path, capsys, spec, duration, rx):
    fails(["neuron", str(files[1]), "--inject", spec, "--duration", duration, "--quiet",
           "--out", str(tmp_path / "o")], capsys, rx)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


@pytest.mark.parametrize("kw", [dict(units=1e12), dict(units="lightyear")])
def test_units_that_need_more_compartments_than_memory(tmp_path, kw):
    # 20 coordinate units read as 2e13 µm (or light years): ~1e12 compartments of 10 µm
    with pytest.raises(SkeletonError, match=r"n\.swc: .* compartments \(total length .* µm at "
                                            r"res=10 µm\) would need about .* GiB, more than "
                                            r"the memory budget .*check the coordinate units"):
        build_geometry(write(tmp_path, "n.swc", SWC), **kw)


def test_units_that_need_more_compartments_than_memory_cli(files, tmp_path, capsys):
    fails(["neuron", str(files[1]), "--units", "1e12", "--duration", "2", "--quiet",
           "--out", str(tmp_path / "o")], capsys, r"more than the memory budget .*\(--units\)")
