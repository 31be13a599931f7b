"""Shared helpers of the hostile-input tests: IDs and small files written into tmp_path."""

import gzip

#: FlyWire root IDs (18 digits, above 2**53: a float64 would merge neighbours)
FW = [720575940638875637, 720575940615709888, 720575940606946929]
#: an ID that only uint64 holds
BIG = 2 ** 63 + 11


def write(folder, name, content):
    """Write ``content`` (str or bytes) to ``folder/name``, gzip-compressed for ``*.gz``."""
    p = folder / name
    data = content.encode() if isinstance(content, str) else content
    if name.endswith(".gz"):
        with gzip.open(p, "wb") as fh:
            fh.write(data)
    else:
        p.write_bytes(data)
    return p


def fails(argv, capsys, culprit):
    """Run the CLI in-process, expect exit 2 and one ``connectome-sim: error:`` line (no
    traceback) matching ``culprit`` (regex); return that line."""
    import re

    import pytest

    from connectome_sim.cli import main

    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2, err
    line = [ln for ln in err.splitlines() if ln.startswith("connectome-sim: error: ")]
    assert line and "Traceback" not in err, err
    assert re.search(culprit, line[-1]), line[-1]
    return line[-1]
