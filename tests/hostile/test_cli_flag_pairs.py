"""Hostile command lines: flags that contradict each other (one would be ignored without a
word), one column named for two roles, run lengths that are no whole number of steps or
too long for memory.  Every failure is one ``connectome-sim: error:`` line naming the flags,
exit status 2."""

import pandas as pd
import pytest

from connectome_sim.cli import main

from hostile_files import fails


@pytest.fixture
def edges(tmp_path):
    p = tmp_path / "edges.csv"
    pd.DataFrame({"source": [1, 2, 3], "target": [2, 3, 1], "weight": [5, 5, 5],
                  "nt": ["ACH", "GABA", "ACH"]}).to_csv(p, index=False)
    return p


def net(edges, tmp_path, *more):
    return ["network", str(edges), "--duration", "5", "--stimulate", "1", "--quiet",
            "--out", str(tmp_path / "o"), *more]


PAIRS = [
    (["--unweighted", "--weight-col", "weight"], r"--weight-col.*not allowed with.*--unweighted"
                                                 r"|--unweighted.*not allowed with.*--weight-col"),
    (["--no-type", "--type-col", "nt"], r"--no-type.*not allowed with.*--type-col"
                                        r"|--type-col.*not allowed with.*--no-type"),
    (["--no-signs", "--sign-col", "weight"], r"--no-signs ignores .* but --sign-col names one"),
    (["--no-signs", "--nt-col", "nt"], r"--no-signs ignores .* but --nt-col names one"),
    (["--source-col", "source", "--target-col", "source"],
     r"column 'source' is given both as --source-col and as --target-col"),
    (["--weight-col", "source"], r"column 'source' is given as --weight-col but is the source"),
    (["--nt-col", "target"], r"column 'target' is given as --nt-col but is the target"),
    (["--dt", "0.3"], r"--duration 5 ms is not a whole number of steps of --dt 0\.3 ms"),
]


@pytest.mark.parametrize("extra,rx", PAIRS, ids=[" ".join(p[0]) for p in PAIRS])
def test_contradicting_flags(edges, tmp_path, capsys, extra, rx):
    fails(net(edges, tmp_path, *extra), capsys, rx)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_run_too_long_for_memory(edges, tmp_path, capsys):
    # 150 Hz for 1e12 ms: 1.5e11 input spikes, drawn at once, would need terabytes
    argv = net(edges, tmp_path)
    argv[argv.index("--duration") + 1] = "1e12"
    fails(argv, capsys, r"Poisson input .* more than the memory budget.*--duration")


def test_trial_zero_without_spikes_still_plots(edges, tmp_path, capsys):
    # 10 trials of 5 ms at 150 Hz: some trials (with this seed, trial 0) draw no input spike;
    # the raster shows trial 0 empty instead of failing after spikes and rates were written
    argv = net(edges, tmp_path, "--trials", "10", "--seed", "1")
    assert main(argv) == 0
    assert (tmp_path / "o" / "raster.html").exists()
    spikes = pd.read_parquet(tmp_path / "o" / "spikes.parquet")
    assert 0 not in set(spikes["trial"]) and len(spikes) > 0
