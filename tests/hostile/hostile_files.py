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
