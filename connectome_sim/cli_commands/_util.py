"""Helpers shared by the ``connectome-sim`` subcommands: errors in flag language, output
folders that are never overwritten silently, progress stages, ID parsing."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConnectomeSimError, InputFileError, in_callers_words

__all__ = ["FLAGS", "speak", "cli_session", "Stages", "prepare_out", "reading", "refuse_stdin",
           "coerce_ids", "write_html", "parse_params", "number"]

#: keyword (as library messages name it) -> command-line flag.  A dict value chooses the flag
#: by the advised value.  One table for every subcommand: the names do not collide.
FLAGS = {
    # skeletons (connectome-sim neuron)
    "units": "--units", "radius_policy": "--radius-policy", "heal": {"True": "--heal"},
    "soma": "--soma", "res": "--res", "d_lambda": "--d-lambda", "Ra": "--Ra", "cm": "--cm",
    "v_init": "--v-init", "root": "--root",
    # edge lists (connectome-sim network)
    "source_col": "--source-col", "target_col": "--target-col",
    "weight_col": {"False": "--unweighted", None: "--weight-col"},
    "sign_col": {"False": "--no-signs", None: "--sign-col"},
    "nt_col": {"False": "--no-signs", None: "--nt-col"},
    "type_col": {"False": "--no-type", None: "--type-col"},
    "delay_col": "--delay", "delay": "--delay", "inhibitory_nt": "--inhibitory",
    "header": {"None": "--no-header", "0": "--header"},
    "weight_scale": "--weight-scale", "model": "--model", "rate": "--rate",
    "n_trials": "--trials", "seed": "--seed",
    # both
    "dt": "--dt", "duration": "--duration",
}


def speak(message: str) -> str:
    """A library message with its keyword advice rendered as command-line flags."""
    return in_callers_words(str(message), FLAGS)


def _describe(e: BaseException) -> str:
    if isinstance(e, KeyError) and not isinstance(e, ConnectomeSimError):
        return str(e.args[0]) if e.args else "unknown key"
    if isinstance(e, OSError) and e.filename is not None and not isinstance(
            e, ConnectomeSimError):
        return f"{e.filename}: {e.strerror or e}"
    return str(e) or type(e).__name__


@contextmanager
def cli_session(args):
    """Run a subcommand: ``--quiet`` silences the compile notice, and any exception becomes
    ``connectome-sim: error: ...`` on stderr with exit status 2 (traceback with ``--debug``)."""
    from ..engine import codegen

    verbose = codegen.VERBOSE
    if getattr(args, "quiet", False):
        codegen.VERBOSE = False
    shown = set()

    def show(message, category, filename, lineno, file=None, line=None):
        # one line per distinct warning, in flag language, without Python source lines
        text = speak(str(message))
        if text not in shown:
            shown.add(text)
            print(f"connectome-sim: warning: {text}", file=sys.stderr)

    saved = warnings.showwarning
    warnings.showwarning = show
    try:
        yield
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("connectome-sim: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as e:  # every failure is one line naming the file or flag
        if getattr(args, "debug", False):
            traceback.print_exc()
        known = isinstance(e, (ConnectomeSimError, OSError, ValueError, TypeError, KeyError))
        msg = speak(_describe(e))
        if not known:
            msg = (f"unexpected {type(e).__name__}: {msg} (a bug in connectome-sim; rerun with "
                   "--debug for the traceback and report it)")
        print(f"connectome-sim: error: {msg}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        codegen.VERBOSE = verbose
        warnings.showwarning = saved


@contextmanager
def reading(path, what: str):
    """Name ``path`` in any error raised while reading it (a library's own exception classes,
    e.g. pyarrow's or h5py's, included)."""
    refuse_stdin(path, what)
    try:
        yield
    except FileNotFoundError:
        raise
    except ConnectomeSimError as e:
        if str(path) in str(e):
            raise
        try:
            named = type(e)(f"{what} {path}: {e}")
        except TypeError:
            raise e from None
        raise named from e
    except Exception as e:
        raise InputFileError(f"{what} {path}: cannot be read ({type(e).__name__}: "
                             f"{_describe(e).splitlines()[0] if str(e) else ''})") from e


def refuse_stdin(path, what: str):
    """``-`` (the Unix spelling of standard input) is not read: say so, instead of 'does not
    exist'."""
    if str(path) == "-" and not os.path.exists("-"):
        raise InputFileError(f"{what} '-': reading from standard input is not supported; save "
                             "the data to a file and give its path")


def prepare_out(out, names, force: bool, flag: str = "--out") -> Path:
    """Check (before any long run) that ``out`` is a writable folder whose files ``names``
    may be written: existing ones only with ``--force``.

    Raises
    ------
    InputFileError
        ``out`` is a file, cannot be created or written, or holds outputs and ``force`` is
        false (naming them).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"{flag} {out} is a file, not a folder; choose a folder name")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".connectome_sim_write_test_"):
            pass
        if not os.access(out, os.W_OK):
            raise PermissionError(13, "permission denied", str(out))
    except OSError as e:
        raise InputFileError(f"{flag} {out}: cannot write there "
                             f"({e.strerror or type(e).__name__})") from None
    existing = [n for n in names if (out / n).exists()]
    if existing and not force:
        raise InputFileError(f"{flag} {out} already holds {', '.join(existing)}; pass --force "
                             "to overwrite them, or choose another --out")
    return out


def number(low=None, strict=True, integer=False, unit=""):
    """argparse type: a finite number (``> low`` if strict, else ``>= low``)."""

    def parse(text):
        try:
            v = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'an integer' if integer else 'a number'}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
        if low is not None and (v <= low if strict else v < low):
            raise argparse.ArgumentTypeError(
                f"must be {'>' if strict else '>='} {low:g}{unit}, got {text}")
        return v

    return parse



def parse_params(specs, flag: str = "--param") -> dict:
    """``['tau=5', 'v_th=-45']`` -> ``{'tau': 5.0, 'v_th': -45.0}`` (values finite floats).

    Raises
    ------
    ValueError
        A spec without ``=``, a repeated name, or a value that is not a finite number.
    """
    import math

    out = {}
    for spec in specs or []:
        name, sep, value = spec.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"{flag} {spec!r}: expected NAME=VALUE, e.g. {flag} tau=5")
        if name in out:
            raise ValueError(f"{flag} {name} is given twice")
        try:
            v = float(value)
        except ValueError:
            raise ValueError(f"{flag} {spec!r}: {value!r} is not a number") from None
        if not math.isfinite(v):
            raise ValueError(f"{flag} {spec!r}: the value must be finite")
        out[name] = v
    return out


class Stages:
    """A progress bar over the named stages of a command (silent with ``quiet``).

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
        self._stderr = None
        # the bar only on a terminal: in a log file or a pipe its redraws would interleave
        # with the messages (tqdm writes carriage returns), so there the messages stand alone
        isatty = getattr(sys.stderr, "isatty", None)
        if not quiet and isatty is not None and isatty():
            from tqdm import tqdm  # a terminal: plain tqdm (tqdm.auto wants ipywidgets)
            from tqdm.contrib import DummyTqdmFile

            # lines printed on stderr while the bar runs (the one-time "compiling kernels"
            # notice) go through tqdm.write, so they appear whole above the bar
            self._stderr = sys.stderr
            sys.stderr = DummyTqdmFile(self._stderr)
            self.bar = tqdm(total=len(names), desc=title, unit="step", file=self._stderr,
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
        if self.bar is not None:   # called from a finally: say "failed" if an error is on its way
            self.bar.set_description_str("failed" if sys.exc_info()[0] else "done")
            self.bar.close()
            self.bar = None
        if self._stderr is not None:
            sys.stderr.flush()
            sys.stderr, self._stderr = self._stderr, None
        return time.perf_counter() - self.t0

    def say(self, msg: str):
        """Print ``msg`` unless quiet (through tqdm so the bar is not broken)."""
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.write(msg, file=sys.stdout)
        else:
            print(msg)


def coerce_ids(ids, reference, flag: str = "--stimulate") -> list:
    """Convert command-line IDs (strings) to the kind of the network's IDs (``reference``).

    Integers are parsed exactly (no float on the way, so 64-bit FlyWire IDs survive).

    Raises
    ------
    connectome_sim.errors.IDError
        An ID is not an integer while the network's IDs are.
    connectome_sim.errors.UnknownIDError
        IDs not in ``reference`` (listed).
    """
    import numpy as np

    from ..errors import IDError, UnknownIDError

    ref = np.asarray(reference)
    out = []
    for i in ids:
        if ref.dtype.kind in "iu":
            s = str(i).strip()
            if not s.lstrip("+-").isdigit():
                raise IDError(f"{flag} {i!r}: this network's neuron IDs are integers")
            out.append(int(s))
        else:
            out.append(str(i))
    known = set(ref.tolist())
    unknown = [i for i in out if i not in known]
    if unknown:
        raise UnknownIDError(f"{flag}: neuron ID(s) {unknown[:20]} are not in the network "
                             f"({len(ref)} neurons; e.g. {ref[:5].tolist()})")
    return out


def write_html(fig, path: Path) -> Path:
    """Write a plotly figure as a self-contained HTML file (plotly.js embedded, works offline)."""
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path
