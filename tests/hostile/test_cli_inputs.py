"""Hostile command lines: every failure is one line ``connectome-sim: error: ...`` naming the
file or flag, exit status 2, no traceback; outputs are never overwritten without --force.

Most cases run ``main(argv)`` in-process (fast); a few run the installed entry point in a
subprocess to check what a shell user really sees.
"""

import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cli import main
from connectome_sim.cli_commands._util import speak
from connectome_sim.errors import in_callers_words

from hostile_files import FW, fails, write


@pytest.fixture
def edges(tmp_path):
    p = tmp_path / "edges.csv"
    pd.DataFrame({"source": ["A", "B", "A"], "target": ["C", "C", "B"],
                  "weight": [40, 20, 40]}).to_csv(p, index=False)
    return p


def net(edges, tmp_path, *more):
    return ["network", str(edges), "--duration", "20", "--trials", "1", "--quiet",
            "--out", str(tmp_path / "o"), *more]


# ------------------------------------------------------------------ numeric flags
BAD_FLAGS = [
    ("--duration", "nan"), ("--duration", "inf"), ("--duration", "0"), ("--duration", "-5"),
    ("--duration", "1s"), ("--dt", "nan"), ("--dt", "0"), ("--dt", "-0.1"),
    ("--rate", "-1"), ("--rate", "nan"), ("--trials", "0"), ("--trials", "2.5"),
    ("--seed", "-1"), ("--weight-scale", "nan"), ("--weight-scale", "inf"),
]


@pytest.mark.parametrize("flag,value", BAD_FLAGS)
def test_network_bad_numbers(edges, tmp_path, capsys, flag, value):
    fails(net(edges, tmp_path, flag, value), capsys, flag)


NEURON_FLAGS = [("--res", "0"), ("--Ra", "nan"), ("--cm", "-1"), ("--dt", "inf"),
                ("--duration", "nan"), ("--v-init", "nan"), ("--g-pas", "-1e-4")]


@pytest.mark.parametrize("flag,value", NEURON_FLAGS)
def test_neuron_bad_numbers(tmp_path, capsys, flag, value):
    fails(["neuron", "x.swc", flag, value, "--out", str(tmp_path / "o")], capsys, flag)


@pytest.mark.parametrize("spec,culprit", [("3", "NODE:nA"), ("3:x", "numbers"),
                                          ("3:0.1:-5", "start"), ("3:0.1:5:-1", "duration"),
                                          ("3:nan", "finite"), ("a:0.1", "integer")])
def test_neuron_bad_inject(tmp_path, capsys, swc, spec, culprit):
    fails(["neuron", str(swc), "--inject", spec, "--quiet", "--out", str(tmp_path / "o")],
          capsys, rf"--inject.*{culprit}")


@pytest.mark.parametrize("param,culprit", [("tau", "NAME=VALUE"), ("=5", "NAME=VALUE"),
                                           ("t_mbr=x", "not a number"),
                                           ("t_mbr=nan", "finite")])
def test_bad_param(edges, tmp_path, capsys, param, culprit):
    fails(net(edges, tmp_path, "--param", param), capsys, rf"--param.*{culprit}")


def test_param_given_twice(edges, tmp_path, capsys):
    fails(net(edges, tmp_path, "--param", "t_mbr=20", "--param", "t_mbr=10"), capsys,
          "--param t_mbr is given twice")


TWICE = [("--duration", "100", "200"), ("--dt", "0.1", "0.05"), ("--model", "LIF", "IntFire1"),
         ("--rate", "100", "150"), ("--seed", "1", "2"), ("--weight-scale", "1", "2"),
         ("--trials", "1", "3"), ("--nt-col", "nt", "nt_type")]


@pytest.mark.parametrize("flag,a,b", TWICE, ids=[c[0] for c in TWICE])
def test_single_valued_flag_given_twice(edges, tmp_path, capsys, flag, a, b):
    # argparse kept the last silently: --duration 100 --duration 200 ran 200 ms
    fails(net(edges, tmp_path, flag, a, flag, b), capsys,
          rf"error: {flag} is given twice \(.*\); give it once")
    assert not (tmp_path / "o").exists()


def test_neuron_flag_given_twice(tmp_path, capsys):
    fails(["neuron", "x.swc", "--res", "5", "--res", "10", "--out", str(tmp_path / "o")],
          capsys, r"--res is given twice")


@pytest.mark.parametrize("argv,dest,want", [
    (["--stimulate", "A", "--stimulate", "B"], "stimulate", ["A", "B"]),
    (["--stimulate", "A", "B", "--stimulate", "C"], "stimulate", ["A", "B", "C"]),
    (["--silence", "A", "--silence", "B"], "silence", ["A", "B"]),
    (["--inhibitory", "GABA", "--inhibitory", "GLU"], "inhibitory", ["GABA", "GLU"]),
    (["--stimulate", "A"], "stimulate", ["A"]),
])
def test_repeated_list_flags_add_up(argv, dest, want):
    from connectome_sim.cli import build_parser

    args = build_parser().parse_args(["network", "e.csv", *argv])
    assert getattr(args, dest) == want
    assert build_parser().parse_args(["network", "e.csv"]).stimulate == []   # default unshared


def test_unknown_model_parameter(edges, tmp_path, capsys):
    fails(net(edges, tmp_path, "--param", "bogus=1"), capsys, "bogus")


def test_unknown_flag_and_command(capsys):
    fails(["network", "--frobnicate"], capsys, "frobnicate|required")
    fails(["simulate"], capsys, "simulate")


# ------------------------------------------------------------------ files
@pytest.fixture
def swc(tmp_path):
    p = tmp_path / "cell.swc"
    rows = ["1 1 0 0 0 5 -1"] + [f"{k} 3 {10 * (k - 1)} 0 0 1 {k - 1}" for k in range(2, 8)]
    p.write_text("\n".join(rows) + "\n")
    return p


FILES = {
    "missing": (lambda d: d / "nope.csv", "nope.csv"),
    "header_only": (lambda d: _w(d / "h.csv", "pre,post,weight\n"), r"h\.csv.*no rows"),
    "empty": (lambda d: _w(d / "e.csv", ""), r"e\.csv.*empty"),
    "binary": (lambda d: _wb(d / "b.csv", bytes(range(256)) * 4), r"b\.csv.*binary"),
    "folder": (lambda d: d, "folder"),
    "bad_suffix": (lambda d: _w(d / "e.json", "{}"), r"e\.json.*suffix"),
    "corrupt_parquet": (lambda d: _wb(d / "e.parquet", b"PAR1xx"), r"e\.parquet.*parquet"),
    "no_columns": (lambda d: _w(d / "c.csv", "a,b,c\nx,y,z\n"), "--source-col"),
    "unknown_numeric": (lambda d: _w(d / "u.csv", "pre,post,strength2\n1,2,3\n"),
                        r"'strength2'.*--weight-col strength2.*--unweighted"),
    "blank_id": (lambda d: _w(d / "i.csv", f"pre,post,weight\n{FW[0]},{FW[1]},1\n,{FW[1]},1\n"),
                 r"'pre'.*\[1\]"),
    "decimal_id": (lambda d: _w(d / "i.csv", "pre,post,weight\n1.5,2,1\n"), "whole numbers"),
    "nan_weight": (lambda d: _w(d / "w.csv", "pre,post,weight\n1,2,\n"), r"'weight'.*\[0\]"),
}


def _w(p, content):
    return write(p.parent, p.name, content)


_wb = _w


@pytest.mark.parametrize("name", FILES)
def test_bad_edge_files(tmp_path, capsys, name):
    make, culprit = FILES[name]
    path = make(tmp_path)
    fails(["network", str(path), "--quiet", "--out", str(tmp_path / "o")], capsys, culprit)


@pytest.mark.parametrize("flag,culprit", [
    (["--source-col", "nope"], r"'nope'.*--source-col nope"),
    (["--weight-col", "syn"], r"'syn'.*--weight-col syn"),
    (["--sign-col", "sg"], r"'sg'.*--sign-col sg"),
    (["--nt-col", "nt"], r"'nt'.*--nt-col nt"),
    (["--delay", "dly"], r"'dly'.*--delay dly"),
    (["--delay", "-1"], "--delay"),
    (["--labels", "nope.csv"], "nope.csv"),
    (["--group", "cell_type"], "--group"),
    (["--stimulate", "Z"], r"--stimulate.*'Z'"),
    (["--silence", "Q"], r"--silence.*'Q'"),
    (["--stimulate-file", "ids.txt"], "ids.txt"),
    (["--model", "NoSuchModel"], "NoSuchModel"),
])
def test_bad_network_flags(edges, tmp_path, capsys, flag, culprit):
    fails(net(edges, tmp_path, *flag), capsys, culprit)


def test_integer_network_rejects_name(tmp_path, capsys):
    p = _w(tmp_path / "e.csv", f"pre,post,weight\n{FW[0]},{FW[1]},50\n")
    fails(net(p, tmp_path, "--stimulate", "AVAL"), capsys, r"--stimulate 'AVAL'.*integers")


@pytest.mark.parametrize("content,culprit", [
    ("", r"s\.swc"), ("pre,post,weight\n1,2,3\n", r"s\.swc"),
    ("1 1 0 0 0 1\n", r"s\.swc|column"), (bytes(range(256)), r"s\.swc")])
def test_bad_skeleton_files(tmp_path, capsys, content, culprit):
    p = tmp_path / "s.swc"
    (p.write_bytes if isinstance(content, bytes) else p.write_text)(content)
    fails(["neuron", str(p), "--quiet", "--out", str(tmp_path / "o")], capsys, culprit)


def test_missing_skeleton(tmp_path, capsys):
    fails(["neuron", str(tmp_path / "n.swc"), "--out", str(tmp_path / "o")], capsys, r"n\.swc")


@pytest.mark.parametrize("flag", [["--units", "-3"], ["--units", "nan"],
                                  ["--radius-policy", "0"]])
def test_bad_reader_numbers(tmp_path, capsys, swc, flag):
    fails(["neuron", str(swc), *flag, "--quiet", "--out", str(tmp_path / "o")], capsys, flag[0])


def test_bad_soma_convention_is_named(tmp_path, capsys, swc):
    fails(["neuron", str(swc), "--soma", "no-such-convention", "--quiet", "--out",
           str(tmp_path / "o")], capsys, "soma|no-such-convention")


# ------------------------------------------------------------------ outputs
def test_out_is_a_file(edges, tmp_path, capsys):
    f = _w(tmp_path / "taken", "x")
    fails(["network", str(edges), "--out", str(f)], capsys, r"--out .*taken.*is a file")


def test_out_unwritable(edges, capsys):
    fails(["network", str(edges), "--out", "/proc/connectome_sim_out"], capsys,
          r"--out /proc/connectome_sim_out: cannot write")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_read_only_folder(edges, tmp_path, capsys):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    fails(["network", str(edges), "--out", str(d / "sub")], capsys, "cannot write")


def test_outputs_not_overwritten_without_force(edges, tmp_path, capsys):
    argv = net(edges, tmp_path, "--stimulate", "A")
    assert main(argv) == 0
    before = (tmp_path / "o" / "rates.csv").read_bytes()
    fails(argv, capsys, r"already holds spikes\.parquet, rates\.csv, raster\.html.*--force")
    assert (tmp_path / "o" / "rates.csv").read_bytes() == before
    assert main(argv + ["--force"]) == 0


def test_demo_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "d"
    out.mkdir()
    (out / "celegans_rates.csv").write_text("mine")
    fails(["demo", "--out", str(out), "--duration", "10", "--trials", "1"], capsys,
          "celegans_rates.csv.*--force")
    assert (out / "celegans_rates.csv").read_text() == "mine"


# ------------------------------------------------------------------ correct results
def test_headerless_and_gz_in_cli(tmp_path, capsys):
    for name, text in (("h.csv", "A,B,40\nB,C,40\n"), ("g.csv.gz", "source,target,weight\n"
                                                                    "A,B,40\nB,C,40\n")):
        p = write(tmp_path, name, text)
        out = tmp_path / name.replace(".", "_")
        assert main(["network", str(p), "--stimulate", "A", "--duration", "50", "--trials",
                     "1", "--weight-scale", "1", "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        assert "weight: 'weight'" in printed
        rates = pd.read_csv(out / "rates.csv", index_col=0)
        assert rates.loc["C", "rate_mean_Hz"] > 0      # A drives B drives C


def _signed_run(tmp_path, capsys, df, *flags, name="e.csv"):
    p = tmp_path / name
    if name.endswith(".parquet"):
        df.to_parquet(p)
    else:
        df.to_csv(p, index=False)
    out = tmp_path / ("o_" + name.replace(".", "_"))
    assert main(["network", str(p), "--stimulate", str(df.iloc[0, 0]), "--duration", "200",
                 "--trials", "1", "--out", str(out), *flags]) == 0
    return capsys.readouterr().out, pd.read_csv(out / "rates.csv", index_col=0)


def test_shiu_signs_reach_the_cli(tmp_path, capsys):
    # Presynaptic 1 excites 2 strongly and inhibits 3: 3 must stay silent, 2 must fire
    df = pd.DataFrame({"Presynaptic_ID": [1, 1, 2], "Postsynaptic_ID": [2, 3, 3],
                       "Connectivity": [100, 100, 100], "Excitatory": [1, -1, 1]})
    printed, rates = _signed_run(tmp_path, capsys, df, name="Connectivity_783.parquet")
    assert "sign: 'Excitatory' (detected)" in printed
    assert "1 of 3 chemical rows inhibitory" in printed
    assert rates.loc[2, "rate_mean_Hz"] > 0


def test_flywire_nt_type_reaches_the_cli(tmp_path, capsys):
    df = pd.DataFrame({"pre_root_id": [FW[0], FW[0]], "post_root_id": [FW[1], FW[2]],
                       "syn_count": [300, 300], "nt_type": ["GABA", "ACH"]})
    printed, rates = _signed_run(tmp_path, capsys, df)
    assert "transmitter: 'nt_type' (detected)" in printed and "GABA inhibitory" in printed
    assert rates.loc[FW[1], "rate_mean_Hz"] == 0 and rates.loc[FW[2], "rate_mean_Hz"] > 0
    assert rates.index.dtype == np.int64 and set(rates.index) == set(FW)  # no float on the way


@pytest.mark.parametrize("values", [[""], ["GABA", ""], ["  "]])
def test_blank_inhibitory_flag_refused(tmp_path, capsys, values):
    df = pd.DataFrame({"pre": ["a", "b"], "post": ["b", "a"], "weight": [30, 30],
                       "nt_type": ["GABA", "ACH"]})
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    fails(net(p, tmp_path, "--inhibitory", *values), capsys,
          r"error: --inhibitory='\s*': a transmitter name cannot be blank")


def test_no_signs_flag(tmp_path, capsys):
    df = pd.DataFrame({"pre_root_id": [FW[0]], "post_root_id": [FW[1]], "syn_count": [300],
                       "nt_type": ["GABA"]})
    printed, rates = _signed_run(tmp_path, capsys, df, "--no-signs")
    assert "every synapse excitatory" in printed and rates.loc[FW[1], "rate_mean_Hz"] > 0


# ------------------------------------------------------------------ language and debug
@pytest.mark.parametrize("msg,expect", [
    ("pass units='nm' (or units=<µm per unit>)", "pass --units nm (or --units <µm per unit>)"),
    ("or pass radius_policy='neighbours'", "or pass --radius-policy neighbours"),
    ("pass heal=True to join", "pass --heal to join"),
    ("pass source_col= and target_col=", "pass --source-col and --target-col"),
    ("pass weight_col=False for one", "pass --unweighted for one"),
    ("pass weight_col='syn'", "pass --weight-col syn"),
    ("read with header=None", "read with --no-header"),
    ("duration=nan: must be finite", "--duration nan: must be finite"),
    ("pas e=-65 is fine", "pas e=-65 is fine"),          # not a flag: untouched
])
def test_messages_speak_flags(msg, expect):
    assert speak(msg) == expect


def test_python_users_keep_keywords():
    from connectome_sim.errors import ParameterError
    from connectome_sim.io.edges import detect_columns

    with pytest.raises(ParameterError, match="weight_col='value'"):
        detect_columns(pd.DataFrame({"pre": [1], "post": [2], "value": [3.0]}))
    assert in_callers_words("x=1", {}) == "x=1"


def test_debug_shows_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["network", str(tmp_path / "nope.csv"), "--debug", "--out", str(tmp_path / "o")])
    assert "Traceback" in capsys.readouterr().err


def test_quiet_silences_compile_notice(edges, tmp_path, capsys, monkeypatch):
    from connectome_sim.engine import codegen
    from connectome_sim.network import PointNetwork

    seen = []
    real = PointNetwork.run_simulation

    def spy(self, *a, **k):
        seen.append(codegen.VERBOSE)      # what compile_notice consults while kernels load
        return real(self, *a, **k)

    monkeypatch.setattr(codegen, "VERBOSE", True)
    monkeypatch.setattr(PointNetwork, "run_simulation", spy)
    assert main(net(edges, tmp_path, "--stimulate", "A")) == 0
    assert seen == [False] and codegen.VERBOSE is True     # restored after the command
    assert capsys.readouterr().err == ""
    assert main(["network", str(edges), "--duration", "20", "--trials", "1", "--stimulate",
                 "A", "--out", str(tmp_path / "o2")]) == 0
    assert seen[-1] is True                                # without --quiet: on


# ------------------------------------------------------------------ real processes
def _run(*argv, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "connectome_sim.cli", *argv], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=300)


def test_subprocess_error_is_one_line(tmp_path):
    (tmp_path / "h.csv").write_text("pre,post,weight\n")
    r = _run("network", "h.csv", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("connectome-sim: error: edge list h.csv")
    assert "Traceback" not in r.stderr


def test_subprocess_argparse_error(tmp_path):
    r = _run("network", "e.csv", "--dt", "nan", cwd=tmp_path)
    assert r.returncode == 2
    assert "connectome-sim: error: argument --dt: must be finite" in r.stderr


def test_subprocess_ok(tmp_path, edges):
    r = _run("network", str(edges), "--stimulate", "A", "--duration", "20", "--trials", "1",
             "--out", "o", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "edge columns: source: 'source' (detected)" in r.stdout


# ------------------------------------------------------------------ corrupt state and NWB files
CORRUPT = {"empty": b"", "text": b"hello", "truncated_zip": b"PK\x03\x04" + b"\x00" * 40,
           "random": bytes(range(256)) * 8}


@pytest.mark.parametrize("name", CORRUPT)
def test_corrupt_saved_state_names_path(tmp_path, name):
    from connectome_sim.errors import InputFileError
    from connectome_sim.network.longrun import RunState

    p = tmp_path / f"{name}.npz"
    p.write_bytes(CORRUPT[name])
    with pytest.raises(InputFileError, match=rf"saved state .*{name}\.npz"):
        RunState.load(p)


def test_saved_state_missing_names_path(tmp_path):
    from connectome_sim.network.longrun import RunState

    with pytest.raises(FileNotFoundError, match=r"nope\.npz"):
        RunState.load(tmp_path / "nope.npz")


def test_other_npz_is_not_a_state(tmp_path):
    from connectome_sim.errors import InputFileError
    from connectome_sim.network.longrun import RunState

    p = tmp_path / "other.npz"
    np.savez(p, x=np.arange(3))
    with pytest.raises(InputFileError, match=r"other\.npz.*n_trials"):
        RunState.load(p)


@pytest.mark.parametrize("name", CORRUPT)
def test_corrupt_nwb_names_path(tmp_path, name):
    pytest.importorskip("pynwb")
    from connectome_sim.errors import InputFileError
    from connectome_sim.io.nwb import read_nwb

    p = tmp_path / f"{name}.nwb"
    p.write_bytes(CORRUPT[name])
    with pytest.raises(InputFileError, match=rf"NWB file .*{name}\.nwb"):
        read_nwb(p)


def test_missing_nwb_names_path(tmp_path):
    pytest.importorskip("pynwb")
    from connectome_sim.io.nwb import read_nwb

    with pytest.raises(FileNotFoundError, match=r"gone\.nwb"):
        read_nwb(tmp_path / "gone.nwb")


def test_compile_notice_is_shown_whole_beside_the_bar(edges, tmp_path, capsys, monkeypatch):
    from connectome_sim.network import PointNetwork

    real = PointNetwork.run_simulation

    def noisy(self, *a, **k):    # what engine.codegen.compile_notice prints on a first run
        print("connectome_sim: compiling the network kernel (once per install) ...",
              file=sys.stderr, flush=True)
        return real(self, *a, **k)

    monkeypatch.setattr(PointNetwork, "run_simulation", noisy)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)   # a terminal
    err_before = sys.stderr
    assert main(["network", str(edges), "--duration", "20", "--trials", "1", "--stimulate",
                 "A", "--out", str(tmp_path / "o")]) == 0
    assert sys.stderr is err_before                      # restored
    err = capsys.readouterr().err
    lines = [ln.strip() for ln in err.replace("\r", "\n").splitlines()]
    assert "connectome_sim: compiling the network kernel (once per install) ..." in lines
    assert "\r" in err                                   # the bar was drawn


def test_no_bar_redraws_in_a_log_file(edges, tmp_path, capsys):
    # stderr redirected to a file or pipe: whole lines only, no carriage-return redraws
    assert main(["network", str(edges), "--duration", "20", "--trials", "1", "--stimulate",
                 "A", "--out", str(tmp_path / "o")]) == 0
    cap = capsys.readouterr()
    assert "\r" not in cap.err and "\r" not in cap.out
    assert "spikes;" in cap.out


@pytest.mark.parametrize("name,content,culprit", [
    ("edges.csv", "pre,post,weight\nA,B,1\n", r"edges\.csv: a \.csv file is not a morphology"),
    ("table.swc", "node_id,type,x,y,z,radius,parent\n1,1,0,0,0,1,-1\n",
     r"table\.swc: comma-separated"),
    ("bin.swc", b"\x00\x01\x02" * 50, r"bin\.swc: a binary file"),
])
def test_table_or_binary_given_as_swc(tmp_path, capsys, name, content, culprit):
    p = write(tmp_path, name, content)
    err = fails(["neuron", str(p), "--out", str(tmp_path / "o")], capsys, culprit)
    assert "Unable to match" not in err


# ------------------------------------------------------------------ warnings and failed runs
def test_model_warning_once_in_cli_words(edges, tmp_path, capsys):
    """A parameter the model moves (as NEURON does) is one 'warning:' line, not a Python
    warning with its source line, and not one per trial."""
    assert main(["network", str(edges), "--model", "IntFire4", "--param", "taui1=25",
                 "--param", "taui2=20", "--duration", "20", "--trials", "3", "--quiet",
                 "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("connectome-sim: warning: IntFire4 needs") and \
        "taui1 25 -> 20, taui2 20 -> 25" in lines[0], err


def test_failed_run_names_no_python_objects(tmp_path, capsys):
    """A runaway run: the library's advice (its partial result in net.result) means nothing
    to a command-line user; the CLI says that nothing was written."""
    ids = [f"n{i}" for i in range(20)]
    p = tmp_path / "loop.csv"
    pd.DataFrame([(a, b, 40) for a in ids for b in ids if a != b],
                 columns=["source", "target", "weight"]).to_csv(p, index=False)
    line = fails(["network", str(p), "--model", "IntFire4", "--stimulate", "n0",
                  "--duration", "200", "--trials", "1", "--quiet", "--out",
                  str(tmp_path / "o")], capsys, r"runaway.*nothing was written to")
    assert "net.result" not in line and "max_spikes" not in line
    assert not any((tmp_path / "o").glob("*"))


# ------------------------------------------------------------------ --labels transmitters
@pytest.fixture
def int_edges(tmp_path):
    return _w(tmp_path / "ie.csv", "source,target,weight\n1,3,40\n2,3,20\n1,2,40\n")


@pytest.mark.parametrize("table,culprit", [
    ("neuron_id,nt_type\n1,1\n2,0\n3,0\n",
     r"--labels \S+t\.csv \(column 'nt_type'\) has values that are not transmitter names.*"
     r"\[1, 2, 3\]"),
    ("neuron_id,nt_type\n1,True\n2,False\n3,False\n",
     r"--labels \S+t\.csv \(column 'nt_type'\) .*not transmitter names.*True"),
    ("neuron_id,nt_type\nA,GABA\nB,ACH\n",
     r"--labels \S+t\.csv's IDs \(e\.g\. \['A', 'B'\]\) and the edge list's IDs"),
    ("neuron_id,nt_type\n1,GABA\n1,ACH\n", r"t\.csv lists neuron\(s\) \[1\] more than once"),
], ids=["numbers", "booleans", "names vs integer edges", "duplicated ID"])
def test_labels_transmitters_named_as_flags(int_edges, tmp_path, capsys, table, culprit):
    t = _w(tmp_path / "t.csv", table)
    line = fails(net(int_edges, tmp_path, "--labels", str(t)), capsys, culprit)
    assert "neuron_nt" not in line


def test_labels_missing_transmitter_warning_names_the_flag(int_edges, tmp_path, capsys):
    t = _w(tmp_path / "t.csv", "neuron_id,nt_type\n1,GABA\n")
    main(net(int_edges, tmp_path, "--labels", str(t)))
    err = capsys.readouterr().err
    assert re.search(r"connectome-sim: warning: --labels \S+t\.csv \(column 'nt_type'\) has no "
                     r"transmitter for 1 presynaptic neuron\(s\), e\.g\. \[2\]", err), err
    assert "neuron_nt" not in err


@pytest.mark.parametrize("flag,culprit", [
    (["--record", "3", "99"], r"--record 99: node IDs: .*\[99\]"),
    (["--inject", "99:0.1:0"], r"--inject '99:0\.1:0': node IDs: .*\[99\]"),
], ids=["record", "inject"])
def test_neuron_unknown_node_named_by_its_flag(tmp_path, capsys, swc, flag, culprit):
    fails(["neuron", str(swc), *flag, "--duration", "5", "--quiet", "--out",
           str(tmp_path / "o")], capsys, culprit)
    assert not (tmp_path / "o" / "voltages.csv").exists()


def test_labels_transmitters_beside_an_edge_transmitter_column_are_quiet(tmp_path, capsys):
    """--labels signs only edge lists without signs of their own (its help says so): no
    warning about the library's neuron_nt when the edge list has a transmitter column."""
    e = _w(tmp_path / "ie.csv", "source,target,weight,nt_type\n1,3,40,ACH\n2,3,20,ACH\n")
    t = _w(tmp_path / "t.csv", "neuron_id,nt_type\n1,GABA\n2,ACH\n3,ACH\n")
    main(net(e, tmp_path, "--labels", str(t)))
    err = capsys.readouterr().err
    assert "neuron_nt" not in err and "is not used" not in err, err
