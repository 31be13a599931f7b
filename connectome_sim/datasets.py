"""Example data shipped with connectome_sim (see ``data/*/README.md`` for sources and licences)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["data_dir", "load_celegans", "example_neuron"]


def data_dir() -> Path:
    """Folder holding the shipped example data (``connectome_sim/data``, installed with the
    package; in a source checkout a link to the repository's ``data/``)."""
    here = Path(__file__).parent
    for cand in (here / "data", here.parent / "data"):
        if (cand / "celegans").is_dir():
            return cand
    raise FileNotFoundError(
        f"connectome_sim's example data were not found in {here / 'data'}; the installation "
        "is incomplete: reinstall with pip install connectome-sim (or pip install . from a "
        "source checkout)")


def load_celegans(which: str = "neurons", kind: str | None = None) -> pd.DataFrame:
    """Cook et al. 2019 hermaphrodite connectome as an edge list.

    Parameters
    ----------
    which : {'neurons', 'all_cells'}
        The 302 neurons only, or every cell of the matrices (muscles included).
    kind : {None, 'chemical', 'electrical'}
        Keep only one synapse type; ``None`` keeps both (column ``type``).

    Returns
    -------
    pandas.DataFrame
        Columns ``pre``, ``post``, ``type``, ``weight`` (EM section counts, see data README).
    """
    if which not in ("neurons", "all_cells"):
        raise ValueError(f"which must be 'neurons' or 'all_cells', got {which!r}")
    df = pd.read_csv(data_dir() / "celegans" / f"cook2019_herm_{which}.csv")
    if kind is not None:
        if kind not in ("chemical", "electrical"):
            raise ValueError(f"kind must be None, 'chemical' or 'electrical', got {kind!r}")
        df = df[df["type"] == kind].reset_index(drop=True)
    return df


def example_neuron(i: int = 1, soma: int | None = 20):
    """navis example neuron ``i`` (hemibrain DA1 PN) in µm, rerooted at its soma.

    Parameters
    ----------
    i : int
        1-based index into ``navis.example_neurons()`` (1..5).
    soma : int or None
        Soma node ID to set (the seed tutorial uses 20 for neuron 1); ``None`` keeps navis's.
    """
    import navis

    nl = navis.example_neurons(5, kind="skeleton")
    n = nl[i - 1].convert_units("um")
    if soma is not None and i == 1:
        n.soma = soma
    if n.soma is not None:
        n.reroot(n.soma, inplace=True)
    return n
