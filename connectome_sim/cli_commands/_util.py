"""Small helpers shared by the ``connectome-sim`` subcommands: progress stages, errors, output."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConnectomeSimError

__all__ = ["Stages", "report_errors", "coerce_ids", "write_html"]


class Stages:
    """A tqdm progress bar over the named stages of a command (silent with ``quiet``).

    Parameters
    ----------
    names : list of str
        Stage descriptions, in order.
    quiet : bool
        Print nothing.
    title : str
        Text shown before the first stage starts.
    """

    def __init__(self, names, quiet: bool = False, title: str = ""):
        self.quiet = quiet
        self.t0 = time.perf_counter()
        self.bar = None
        if not quiet:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=len(names), desc=title, unit="step", file=sys.stderr,
                            bar_format="{desc} {bar:20} {n_fmt}/{total_fmt} [{elapsed}]")

    @contextmanager
    def stage(self, name: str):
        """Context manager: show ``name`` while the block runs, then advance the bar."""
        if self.bar is not None:
            self.bar.set_description_str(name)
        yield
        if self.bar is not None:
            self.bar.update(1)

    def close(self):
        """Close the bar; return the elapsed wall time (s)."""
        if self.bar is not None:
            self.bar.set_description_str("done")
            self.bar.close()
        return time.perf_counter() - self.t0

    def say(self, msg: str):
        """Print ``msg`` unless quiet (through tqdm so the bar is not broken)."""
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.write(msg, file=sys.stdout)
        else:
            print(msg)


@contextmanager
def report_errors():
    """Turn connectome_sim errors into a one-line message on stderr and exit code 2."""
    try:
        yield
    except (ConnectomeSimError, FileNotFoundError, KeyError, ValueError, TypeError) as e:
        msg = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
        print(f"connectome-sim: error: {msg}", file=sys.stderr)
        raise SystemExit(2) from None


def coerce_ids(ids, reference) -> list:
    """Convert command-line IDs (strings) to the dtype of the model's IDs (``reference``).

    Raises
    ------
    connectome_sim.errors.UnknownIDError
        If an ID is not an integer while the model's IDs are, or is not in ``reference``.
    """
    from ..errors import UnknownIDError
    import numpy as np

    ref = np.asarray(reference)
    out = []
    for i in ids:
        if ref.dtype.kind in "iu":
            try:
                out.append(int(i))
            except ValueError:
                raise UnknownIDError(f"neuron ID {i!r} is not an integer, but this network's "
                                     "IDs are integers") from None
        else:
            out.append(str(i))
    known = set(ref.tolist())
    unknown = [i for i in out if i not in known]
    if unknown:
        raise UnknownIDError(f"neuron ID(s) {unknown[:20]} are not in the network "
                             f"({len(ref)} neurons; e.g. {ref[:5].tolist()})")
    return out


def write_html(fig, path: Path) -> Path:
    """Write a plotly figure as a self-contained HTML file (plotly.js embedded, works offline)."""
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path
