"""The ``connectome-sim`` command line: demo, network and neuron subcommands end to end."""

import pandas as pd
import pytest

from connectome_sim.cli import build_parser, main


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("demo", "network", "neuron"):
        assert cmd in out
    for cmd in ("demo", "network", "neuron"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([cmd, "--help"])


def test_demo_writes_every_file(tmp_path, capsys):
    # shortened run (CI budget); the full demo is the same code with --duration 1000 --trials 10
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--duration", "300", "--trials", "2"]) == 0
    printed = capsys.readouterr().out
    for name in ("neuron_traces.html", "neuron_skeleton_voltage.html", "neuron_spikes.csv",
                 "neuron_voltages.csv", "celegans_raster.html", "celegans_rate_heatmap.html",
                 "celegans_rates.csv", "celegans_spikes.parquet"):
        f = out / name
        assert f.exists() and f.stat().st_size > 0, name
        assert str(f.resolve()) in printed, f"demo did not print where {name} is"
    html = (out / "celegans_raster.html").read_text()
    assert "scattergl" in html and "plotly" in html.lower()
    spikes = pd.read_csv(out / "neuron_spikes.csv")
    assert len(spikes) >= 1  # the 5-synapse input at 250 ms fires the axon
    rates = pd.read_csv(out / "celegans_rates.csv", index_col=0)
    assert {"rate_mean_Hz", "rate_sd_Hz", "cell_class", "modality"} <= set(rates.columns)
    assert len(rates) == 302
    driven = rates.loc[["ALML", "ALMR", "AVM", "PLML", "PLMR", "PVM"], "rate_mean_Hz"]
    assert (driven > 100).all()  # 150 Hz Poisson drive with a suprathreshold weight
    # the README's first command can be run again: the demo replaces its own earlier files
    before = (out / "celegans_rates.csv").stat().st_mtime_ns
    assert main(["demo", "--out", str(out), "--duration", "50", "--trials", "1", "--quiet"]) == 0
    assert (out / "celegans_rates.csv").stat().st_mtime_ns != before


def test_demo_keeps_files_it_did_not_write(tmp_path, capsys):
    # a folder holding a file of the demo's name that no demo wrote is refused without --force
    out = tmp_path / "mine"
    out.mkdir()
    (out / "celegans_rates.csv").write_text("my own table\n")
    from hostile.hostile_files import fails

    fails(["demo", "--out", str(out), "--duration", "50", "--trials", "1"], capsys,
          r"already holds celegans_rates\.csv; pass --force")
    assert (out / "celegans_rates.csv").read_text() == "my own table\n"


def test_quiet_prints_nothing(tmp_path, capsys):
    edges = tmp_path / "e.csv"
    pd.DataFrame({"source": ["A"], "target": ["B"], "weight": [40]}).to_csv(edges, index=False)
    assert main(["network", str(edges), "--stimulate", "A", "--duration", "100", "--trials",
                 "1", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err == ""


@pytest.fixture
def edges_csv(tmp_path):
    p = tmp_path / "edges.csv"
    pd.DataFrame({"source": ["A", "B", "A"], "target": ["C", "C", "B"],
                  "weight": [40, -20, 40]}).to_csv(p, index=False)
    return p


def test_network_command(tmp_path, edges_csv, capsys):
    out = tmp_path / "net"
    rc = main(["network", str(edges_csv), "--model", "LIF", "--stimulate", "A", "--rate", "100",
               "--duration", "500", "--trials", "3", "--out", str(out), "--quiet"])
    assert rc == 0
    sp = pd.read_parquet(out / "spikes.parquet")
    assert list(sp.columns) == ["trial", "neuron_id", "time"]
    assert set(sp.trial) == {0, 1, 2} and "A" in set(sp.neuron_id)
    rates = pd.read_csv(out / "rates.csv", index_col=0)
    assert rates.loc["A", "rate_mean_Hz"] > 50
    assert (out / "raster.html").stat().st_size > 10_000


def test_network_command_says_when_activity_stays_in_the_driven_neurons(tmp_path, edges_csv,
                                                                         capsys):
    # A -> B, A -> C with 40 synapses: 0.001 mV per synapse brings nobody to threshold
    args = ["network", str(edges_csv), "--stimulate", "A", "--duration", "300",
            "--trials", "1"]
    assert main(args + ["--weight-scale", "0.001", "--out", str(tmp_path / "weak")]) == 0
    out = capsys.readouterr().out
    assert "activity stayed in the 1 driven neuron(s)" in out and "--weight-scale" in out
    # at Shiu et al.'s 0.275 mV per synapse B fires: no hint
    assert main(args + ["--out", str(tmp_path / "strong")]) == 0
    rates = pd.read_csv(tmp_path / "strong" / "rates.csv", index_col=0)
    assert rates.loc["B", "rate_mean_Hz"] > 0
    assert "activity stayed" not in capsys.readouterr().out


def test_network_command_bad_input(tmp_path, edges_csv, capsys):
    with pytest.raises(SystemExit) as e:
        main(["network", str(edges_csv), "--stimulate", "ZZZ", "--out", str(tmp_path),
              "--quiet"])
    assert e.value.code == 2
    assert "ZZZ" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["network", str(tmp_path / "missing.csv"), "--out", str(tmp_path), "--quiet"])
    assert e.value.code == 2


@pytest.fixture
def swc(tmp_path):
    """A soma-less Y: 100 µm trunk, two 100 µm branches, radius 1 µm."""
    rows = [(1, 1, 0, 0, 0, 1.0, -1)]
    nid = 1
    for k in range(1, 11):
        nid += 1
        rows.append((nid, 3, 10 * k, 0, 0, 1.0, nid - 1))
    fork = nid
    for sgn in (1, -1):
        prev = fork
        for k in range(1, 11):
            nid += 1
            rows.append((nid, 3, 100 + 7 * k, sgn * 7 * k, 0, 0.5, prev))
            prev = nid
    p = tmp_path / "y.swc"
    p.write_text("".join(" ".join(str(v) for v in r) + "\n" for r in rows))
    return p


def test_neuron_command(tmp_path, swc, capsys):
    out = tmp_path / "n"
    rc = main(["neuron", str(swc), "--res", "20", "--hh", "--inject", "1:0.5:5:40",
               "--record", "1", "31", "--duration", "50", "--out", str(out)])
    assert rc == 0
    v = pd.read_csv(out / "voltages.csv", index_col=0)
    assert list(v.columns) == ["1", "31"]
    assert v["1"].max() > 0  # HH spikes under 0.5 nA
    sp = pd.read_csv(out / "spikes.csv")
    assert len(sp) >= 1
    assert (out / "skeleton_voltage.html").stat().st_size > 10_000
    printed = capsys.readouterr().out
    assert str((out / "traces.html").resolve()) in printed


def test_neuron_command_bad_input(tmp_path, swc, capsys):
    with pytest.raises(SystemExit) as e:
        main(["neuron", str(swc), "--inject", "1-0.5", "--out", str(tmp_path), "--quiet"])
    assert e.value.code == 2 and "NODE:nA" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["neuron", str(swc), "--inject", "999:0.5", "--out", str(tmp_path), "--quiet"])
    assert e.value.code == 2 and "999" in capsys.readouterr().err


def test_readme_celegans_example_drives_the_escape_circuit(tmp_path, capsys, monkeypatch):
    """The README's command, shortened (300 ms, 3 trials): signs from the shipped neuron
    table, and activity that propagates beyond the six stimulated touch receptor neurons."""
    import re
    import shlex
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    cmd = re.search(r"(connectome-sim network data/celegans/[^`]*?)\n\s*```", readme).group(1)
    argv = shlex.split(cmd.replace("\\\n", " "))[1:]
    argv[argv.index("--duration") + 1] = "300"
    argv[argv.index("--trials") + 1] = "3"
    argv[argv.index("--out") + 1] = str(tmp_path / "run")
    monkeypatch.chdir(root)
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "135 of 3709 chemical rows inhibitory" in printed      # GABAergic presynaptic rows
    rates = pd.read_csv(tmp_path / "run" / "rates.csv", index_col=0)
    fired = rates.index[rates["rate_mean_Hz"] > 0]
    touch = {"ALML", "ALMR", "AVM", "PLML", "PLMR", "PVM"}
    assert len(set(fired) - touch) >= 40
    # a touch response, not the whole worm: at 2 mV per unit (with each gap junction counted
    # once) ~230 of 302 neurons fired, AVA above 200 Hz; the README says "about 80"
    assert len(set(fired) - touch) <= 150, len(fired)
    by_class = rates.groupby("cell_class")["rate_mean_Hz"].mean()
    for cls in ("AVA", "AVD", "PVC", "DA", "VA"):                  # the escape circuit
        assert by_class[cls] > 5, (cls, by_class[cls])


def test_warmup_compiles_and_refuses_unknown_models(capsys):
    from connectome_sim.cli import main

    assert main(["warmup", "--models", "LIF"]) == 0
    out = capsys.readouterr().out
    assert "cable kernels ready" in out and "LIF network kernels ready" in out
    with pytest.raises(SystemExit) as exc:
        main(["warmup", "--models", "LIF", "Foo"])
    assert exc.value.code == 2
    assert "--models: unknown model(s) ['Foo']" in capsys.readouterr().err


def _stdout_of_fresh_process(code: str) -> str:
    """Run ``code`` in a new interpreter (shared kernel cache, nothing loaded yet)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout


def test_warmup_covers_the_plain_single_cell_kernel(tmp_path):
    # a cell with current clamps only (the tutorial's first run) uses the kernel variant
    # without events: after `warmup` it must not compile.  Fresh process, shared cache:
    # the entry points warmup calls are loaded (or compiled), and only those.
    code = ("from connectome_sim.cable.runner import warmup\n"
            "from connectome_sim.engine.cable_codegen import kernel_module\n"
            "warmup()\n"
            "k = kernel_module()\n"
            "print(sorted(n for n in dir(k) if n.startswith('advance_')"
            " and getattr(k, n).signatures))\n")
    out = _stdout_of_fresh_process(code)
    assert "'advance_basic_'" in out and "'advance_basic_events_'" in out, out


def test_warmup_covers_both_network_kernel_variants():
    # small groups (of few edges) run the dense-only kernel without delivery prefetches,
    # larger ones the kernel with the sparse pass (and, with many edges, the prefetches):
    # after `warmup` neither compiles on a user's first run (fresh process, shared cache)
    code = ("from connectome_sim.cli_commands.warmup import _network\n"
            "from connectome_sim.engine import network as eng\n"
            "from connectome_sim.network.models.base import get_model\n"
            "_network('LIF')\n"
            "m = get_model('LIF')\n"
            "print([bool(eng.kernel(m, parallel=False, sparse=s, prefetch=s).fn.signatures)"
            " for s in (False, True)])\n")
    out = _stdout_of_fresh_process(code)
    assert out.strip().endswith("[True, True]"), out
