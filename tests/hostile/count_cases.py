"""Count the hostile-input cases collected per area (file), as pytest collects them.

    python tests/hostile/count_cases.py          # table and total; exit 1 below --min
    python tests/hostile/count_cases.py --min 250

A parametrized case counts once per parameter set; a hypothesis test counts once.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def count() -> collections.Counter:
    """Collected test IDs per file of tests/hostile (runs ``pytest --collect-only -q``)."""
    r = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p",
                        "no:cacheprovider", str(HERE)], capture_output=True, text=True,
                       cwd=HERE.parents[1])
    per = collections.Counter()
    for line in r.stdout.splitlines():
        if "::" in line:
            per[Path(line.split("::")[0]).name] += 1
    if not per:
        sys.exit(f"no cases collected:\n{r.stdout}\n{r.stderr}")
    return per


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--min", type=int, default=0, help="fail (exit 1) below this total")
    a = p.parse_args(argv)
    per = count()
    width = max(len(k) for k in per)
    for name, n in sorted(per.items()):
        print(f"{name:<{width}}  {n:4d}")
    total = sum(per.values())
    print(f"{'total':<{width}}  {total:4d}")
    return 1 if total < a.min else 0


if __name__ == "__main__":
    sys.exit(main())
