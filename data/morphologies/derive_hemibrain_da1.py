"""Write hemibrain_1734350788_soma_root.swc from navis's example neuron 1 (run once, by hand).

The hemibrain DA1 projection neuron 1734350788 (navis.example_neurons(1), 8 nm voxels) in µm,
rerooted at its soma node 20 and written by navis.write_swc (soma labelled 1, fork points 5,
end points 6, other nodes 0: how navis exports connectome skeletons).  navis numbers the nodes
in its own order, so some parents follow their children, which NEURON's Import3d cannot read;
the nodes are therefore renumbered 1..n in depth-first order from the soma (children in
ascending original ID), every other column unchanged.
"""

import sys
import tempfile
from pathlib import Path

import navis


def main(out="hemibrain_1734350788_soma_root.swc"):
    n = navis.example_neurons(1, kind="skeleton").convert_units("um")
    n.soma = 20
    n.reroot(20, inplace=True)
    with tempfile.TemporaryDirectory() as tmp:
        navis.write_swc(n, Path(tmp) / "n.swc")
        text = (Path(tmp) / "n.swc").read_text().splitlines(keepends=True)
    header = [ln for ln in text if ln.startswith("#")]
    rows = {int(r[0]): r for r in (ln.split() for ln in text if ln.strip() and ln[0] != "#")}
    kids = {}
    for i, r in rows.items():
        kids.setdefault(int(r[6]), []).append(i)
    order, stack = [], sorted(kids[-1], reverse=True)
    while stack:
        v = stack.pop()
        order.append(v)
        stack.extend(sorted(kids.get(v, []), reverse=True))
    new = {old: k + 1 for k, old in enumerate(order)}
    with open(out, "w") as f:
        f.writelines(header)
        for old in order:
            r = rows[old]
            p = int(r[6])
            f.write(" ".join([str(new[old])] + r[1:6] + [str(new[p]) if p >= 0 else "-1"])
                    + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
