"""Hostile inputs at the seams between the parts: files read by one module and simulated by
another, results of one run read by another method, keywords that pass through several layers.

Each case asserts the specific exception and the culprit named in its message, or the exact
correct result (values written here from the data's definition).
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cli import main
from connectome_sim.errors import ParameterError
from connectome_sim.io.edges import load_edge_list, read_neuron_table
from connectome_sim.network import PointNetwork

from hostile_files import write


def fails(argv, capsys, culprit):
    """Run the CLI, expect exit 2 and one error line matching ``culprit`` (regex)."""
    import re

    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2, err
    line = [ln for ln in err.splitlines() if ln.startswith("connectome-sim: error: ")]
    assert line and "Traceback" not in err, err
    assert re.search(culprit, line[-1]), line[-1]
    return line[-1]


# ------------------------------------------------------------------ edge-list text files
# hand-written CSVs put a space after each comma; 'AVAL' and ' AVAL' are one neuron
TEXT_FILES = [
    ("space_after_comma", "pre, post, weight\nAVAL, AVAR, 3\nAVAR, AVAL, 2\n",
     ["AVAL", "AVAR"], [("AVAL", "AVAR", 3.0), ("AVAR", "AVAL", 2.0)]),
    ("space_before_comma", "pre ,post ,weight\nAVAL ,AVAR ,3\nAVAR ,AVAL ,2\n",
     ["AVAL", "AVAR"], [("AVAL", "AVAR", 3.0), ("AVAR", "AVAL", 2.0)]),
    ("hash_inside_id", "pre,post,weight\nA#1,B,3\nB,A#1,2\n",
     ["A#1", "B"], [("A#1", "B", 3.0), ("B", "A#1", 2.0)]),
    ("hash_ids_two_columns", "pre,post\nn#1,m\nn#2,m\n",
     ["m", "n#1", "n#2"], [("n#1", "m", 1.0), ("n#2", "m", 1.0)]),
    ("leading_comment_lines", "# exported 2024\n# by hand\npre,post,weight\nA,B,3\n",
     ["A", "B"], [("A", "B", 3.0)]),
    ("comment_then_decimal_ids", "# ids as decimals\npre,post,weight\n1.0,2.0,3\n2.0,1.0,4\n",
     [1, 2], [(1, 2, 3.0), (2, 1, 4.0)]),
]


@pytest.mark.parametrize("name,text,ids,edges", TEXT_FILES, ids=[c[0] for c in TEXT_FILES])
def test_edge_text_files_keep_ids(tmp_path, name, text, ids, edges):
    p = write(tmp_path, f"{name}.csv", text)
    net = PointNetwork.from_edge_list(p, model="LIF", weight_scale=1.0)
    assert net.ids.tolist() == ids
    el = load_edge_list(p, weight_col=False) if "weight" not in text else load_edge_list(p)
    got = sorted(zip(el.source.tolist(), el.target.tolist(), el.weight.tolist()))
    assert got == sorted(edges)


def test_neuron_table_with_spaces_and_comments_matches_edges(tmp_path):
    p = write(tmp_path, "n.csv", "# cell types\nneuron_id, cell_type\nAVAL , AVA\nAVAR, AVA\n")
    t = read_neuron_table(p)
    assert t.index.tolist() == ["AVAL", "AVAR"]
    assert t["cell_type"].tolist() == ["AVA", "AVA"]


def test_cli_space_after_comma_is_one_neuron(tmp_path, capsys):
    p = write(tmp_path, "e.csv", "pre, post, weight\nAVAL, AVAR, 40\nAVAR, AVAL, 20\n")
    assert main(["network", str(p), "--stimulate", "AVAL", "--duration", "20", "--trials", "1",
                 "--out", str(tmp_path / "o")]) == 0
    rates = pd.read_csv(tmp_path / "o" / "rates.csv", index_col=0)
    assert sorted(rates.index) == ["AVAL", "AVAR"]
