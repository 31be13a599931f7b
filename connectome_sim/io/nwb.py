"""Export simulation results to NWB (Neurodata Without Borders) with pynwb, and read them back.

Works on the plain result tables of any connectome_sim model, so a compartment run and a network
run are written the same way:

- spikes: a table with columns ``neuron_id`` (or ``node_id``), ``time`` (ms) and optionally
  ``trial`` -> the NWB ``Units`` table, one unit per (ID, trial) with the columns
  ``neuron_id`` and ``trial``; spike times are stored in seconds, as NWB requires.
- voltages: a table indexed by time (ms) with one column per recording (node ID, neuron ID or
  label; a ``(trial, ID)`` column MultiIndex for several trials) -> one
  ``CurrentClampSeries`` per column in ``acquisition``, named ``V_<ID>`` (``V_<ID>_trial<k>``),
  with ``sweep_number = trial`` and an ``IntracellularElectrode`` per ID whose ``cell_id`` and
  ``location`` are that ID: the electrode *is* the node / neuron.  Data stay in mV with
  ``conversion = 1e-3`` (NWB's volts = data x conversion), so the stored numbers are ours.

:func:`read_nwb` returns the same two tables (times back in ms).  Voltages come back bit for
bit; times pass through ms -> s -> ms and agree to float64 rounding (relative 1e-15).

pynwb is an optional dependency (``pip install connectome-sim[nwb]``).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, ParameterError
from ..ids import as_ids

__all__ = ["write_nwb", "read_nwb", "export_nwb"]

_ID_COLUMNS = ("neuron_id", "node_id")


def _import_pynwb():
    try:
        import pynwb  # noqa: F401
    except ImportError as exc:  # pragma: no cover - pynwb is in the test extra
        raise ImportError("NWB export needs pynwb: pip install 'connectome-sim[nwb]'") from exc
    return pynwb


def _py(v):
    """numpy scalar -> Python scalar (for JSON and for pynwb column values)."""
    return v.item() if isinstance(v, np.generic) else v


def _spike_table(spikes: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    if not isinstance(spikes, pd.DataFrame):
        raise ParameterError("spikes must be a DataFrame with columns neuron_id (or node_id), "
                             f"time (ms) [, trial]; got {type(spikes).__name__}")
    idcol = next((c for c in _ID_COLUMNS if c in spikes.columns), None)
    if idcol is None or "time" not in spikes.columns:
        raise ParameterError("the spike table needs a 'time' column (ms) and a 'neuron_id' or "
                             f"'node_id' column; it has {list(spikes.columns)}")
    t = spikes["time"].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(t)):
        bad = spikes.loc[~np.isfinite(t)].head(3)
        raise ParameterError(f"spike times must be finite (ms); first bad rows:\n{bad}")
    return spikes, idcol


def _id_kind(ids) -> str:
    """'int' if every ID is an integer, else 'str' (NWB columns need one type)."""
    if all(isinstance(_py(i), (int, np.integer)) and not isinstance(_py(i), bool) for i in ids):
        return "int"
    return "str"


def _time_indexed(v):
    """A (trial, time) row MultiIndex (CompartmentModel with n_trials > 1) -> time index with
    (trial, ID) columns."""
    if isinstance(v, pd.DataFrame) and isinstance(v.index, pd.MultiIndex):
        if v.index.nlevels != 2 or isinstance(v.columns, pd.MultiIndex):
            raise ParameterError("voltages: expected rows indexed by time or (trial, time)")
        v = v.copy()
        v.index = v.index.set_names(["trial", "time"])
        v = v.unstack("trial")  # columns (ID, trial)
        v.columns = v.columns.swaplevel(0, 1)
        v = v.sort_index(axis=1, level=0, sort_remaining=False)
    return v


def export_nwb(result, path, **kwargs) -> Path:
    """Write the spikes and voltage records of a run model to NWB.

    Parameters
    ----------
    result : PointNetwork or CompartmentModel (or any object with ``spikes`` and ``records``)
        After ``run_simulation``; ``records['v']`` (mV) and ``spikes`` (ms) are exported.
    path : str or pathlib.Path
        Output file.
    **kwargs
        Passed to :func:`write_nwb` (``kind`` defaults to ``'compartment'`` for a
        CompartmentModel, ``'network'`` otherwise).

    Returns
    -------
    pathlib.Path
    """
    spikes = getattr(result, "spikes", None)
    records = getattr(result, "records", None) or {}
    if spikes is None and "v" not in records:
        raise ParameterError(f"export_nwb: {type(result).__name__} has no spikes or voltage "
                             "records; run_simulation() first (spikes streamed with spikes_to= "
                             "are in the parquet file: pass them to write_nwb)")
    kind = kwargs.pop("kind", "compartment" if type(result).__name__ == "CompartmentModel"
                      else "network")
    if spikes is not None and len(spikes) == 0:
        spikes = None if "v" in records else spikes
    return write_nwb(path, spikes=spikes, voltages=records.get("v"), kind=kind, **kwargs)


def write_nwb(path, *, spikes: pd.DataFrame | None = None, voltages: pd.DataFrame | None = None,
              kind: str = "network", session_description: str = "connectome_sim simulation",
              identifier: str | None = None, session_start_time: datetime | None = None,
              notes: str | None = None, overwrite: bool = False) -> Path:
    """Write spikes and voltage traces to an NWB file.

    Parameters
    ----------
    path : str or pathlib.Path
        Output ``.nwb`` file.
    spikes : pandas.DataFrame, optional
        Columns ``neuron_id`` (or ``node_id``), ``time`` (ms), optionally ``trial`` (int).
    voltages : pandas.DataFrame, optional
        Membrane potential (mV) indexed by time (ms); one column per recording (an ID or
        label), or a ``(trial, ID)`` column MultiIndex.
    kind : {'network', 'compartment'}
        What produced the results; stored in the file's ``session_description`` and electrode
        descriptions (``'node'`` IDs for compartment models, ``'neuron'`` IDs for networks).
    session_description, identifier, notes : str
        NWB file metadata (``identifier`` defaults to a fresh UUID).
    session_start_time : datetime, optional
        Timezone-aware start time (default: now, UTC).
    overwrite : bool
        Replace an existing file (otherwise ``FileExistsError``).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    if spikes is not None:               # IDs checked before anything else (and before pynwb)
        spikes, idcol = _spike_table(spikes)
        canon = as_ids(spikes[idcol], f"spikes[{idcol!r}]")
    pynwb = _import_pynwb()
    from pynwb.icephys import CurrentClampSeries

    if kind not in ("network", "compartment"):
        raise ParameterError(f"kind must be 'network' or 'compartment', got {kind!r}")
    if spikes is None and voltages is None:
        raise ParameterError("write_nwb: nothing to write; pass spikes= and/or voltages=")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    what = "node" if kind == "compartment" else "neuron"
    nwb = pynwb.NWBFile(
        session_description=f"{session_description} ({kind} model)",
        identifier=identifier or str(uuid.uuid4()),
        session_start_time=session_start_time or datetime.now(timezone.utc),
        notes=notes, source_script="connectome_sim.io.nwb.write_nwb",
        source_script_file_name="connectome_sim/io/nwb.py")

    if spikes is not None:
        # canonical IDs (connectome_sim.ids): 1.5, True or NaN are refused rather than
        # written as the strings '1.5'/'True'; IDs above 2**63 - 1 stay uint64 (int() of them
        # would not fit the int64 column pynwb infers from Python ints)
        ids = canon
        as_str = ids.dtype.kind == "O"
        big = ids.dtype == np.uint64
        trials = (spikes["trial"].to_numpy(dtype=np.int64) if "trial" in spikes.columns
                  else np.zeros(len(spikes), dtype=np.int64))
        nwb.add_unit_column(name="neuron_id", description=f"connectome_sim {what} ID "
                            f"({'string' if as_str else 'integer'})")
        nwb.add_unit_column(name="trial", description="trial number (each trial starts at 0 s)")
        nwb.add_unit_column(name="id_column", description="name of the ID column of the source "
                            "spike table")
        frame = pd.DataFrame({"id": ids, "trial": trials,
                              "t": spikes["time"].to_numpy(dtype=np.float64)})
        # groupby with sort=False keeps first-appearance order; times sorted within a unit
        for (nid, trial), grp in frame.groupby(["id", "trial"], sort=False):
            nwb.add_unit(spike_times=np.sort(grp["t"].to_numpy()) / 1000.0,
                         neuron_id=(str(nid) if as_str else np.uint64(nid) if big
                                    else int(nid)), trial=int(trial),
                         id_column=idcol)

    if voltages is not None:
        if isinstance(voltages, pd.Series):
            voltages = voltages.to_frame()
        voltages = _time_indexed(voltages)
        if not isinstance(voltages, pd.DataFrame) or len(voltages) == 0:
            raise ParameterError("voltages must be a non-empty DataFrame indexed by time (ms) "
                                 "with one column per recording")
        t_ms = voltages.index.to_numpy(dtype=np.float64)
        if np.any(np.diff(t_ms) <= 0):
            raise ParameterError("the voltage table's time index (ms) must increase strictly")
        dts = np.diff(t_ms)
        uniform = len(t_ms) > 1 and np.allclose(dts, dts[0], rtol=1e-9, atol=0)
        timing = (dict(starting_time=float(t_ms[0]) / 1000.0, rate=1000.0 / float(dts[0]))
                  if uniform else dict(timestamps=t_ms / 1000.0))
        device = nwb.create_device(name="connectome_sim", description="simulated recording")
        electrodes = {}
        multi = isinstance(voltages.columns, pd.MultiIndex)
        if multi and voltages.columns.nlevels != 2:
            raise ParameterError("voltage columns: expected plain IDs or a (trial, ID) "
                                 "MultiIndex")
        for k_col, col in enumerate(voltages.columns):
            trial, rid = (col if multi else (None, col))
            rid = _py(rid)
            if rid not in electrodes:
                electrodes[rid] = nwb.create_icephys_electrode(
                    name=f"{what}_{rid}", device=device, cell_id=str(rid), location=str(rid),
                    description=f"simulated recording at connectome_sim {what} ID {rid}")
            name = f"V_{rid}" if trial is None else f"V_{rid}_trial{int(trial)}"
            meta = {"column": k_col, "id": rid, "trial": None if trial is None else int(_py(trial)),
                    "t0_ms": float(t_ms[0]), "dt_ms": float(dts[0]) if uniform else None}
            data = voltages[col].to_numpy(dtype=np.float64)
            nwb.add_acquisition(CurrentClampSeries(
                name=name, data=data, electrode=electrodes[rid], conversion=1e-3,
                unit="volts", gain=1.0, comments=json.dumps(meta),
                description=f"membrane potential at {what} {rid}, stored in mV "
                            "(conversion 1e-3 to volts)",
                sweep_number=np.uint64(0 if trial is None else int(_py(trial))), **timing))

    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def _series_meta(s) -> dict:
    """Our JSON comments of a series; for a foreign file, the series name as its ID."""
    try:
        meta = json.loads(s.comments)
        if isinstance(meta, dict) and "id" in meta:
            meta.setdefault("column", 0)
            return meta
    except (TypeError, ValueError):
        pass
    return {"column": np.inf, "id": s.name, "trial": None}


def read_nwb(path) -> dict:
    """Read a file written by :func:`write_nwb` back into connectome_sim tables.

    Parameters
    ----------
    path : str or pathlib.Path
        An ``.nwb`` file.

    Returns
    -------
    dict
        ``'spikes'``: DataFrame ``trial``, ``neuron_id``, ``time`` (ms), sorted by trial, ID
        order of the file and time (``None`` if the file has no units);
        ``'voltages'``: DataFrame indexed by time (ms), one column per recording (a
        ``(trial, ID)`` MultiIndex when the series carry trials; ``None`` if there are none).
    """
    pynwb = _import_pynwb()
    from pynwb.icephys import CurrentClampSeries

    out = {"spikes": None, "voltages": None}
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NWB file {path} does not exist"
                                + (" (it is a folder)" if path.is_dir() else ""))
    try:
        return _read_nwb(pynwb, CurrentClampSeries, path, out)
    except (ParameterError, ImportError):
        raise
    except Exception as e:  # h5py/hdmf errors: name the file instead
        raise InputFileError(f"NWB file {path} cannot be read: not a complete NWB file written "
                             f"by write_nwb ({type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else ''})") from e


def _read_nwb(pynwb, CurrentClampSeries, path, out):
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        if nwb.units is not None and len(nwb.units) > 0:
            units = nwb.units
            nids = units["neuron_id"][:]
            trials = units["trial"][:]
            times = [np.asarray(units.get_unit_spike_times(k), dtype=np.float64) * 1000.0
                     for k in range(len(units))]
            unit = np.repeat(np.arange(len(units)), [t.size for t in times])
            # the ID column keeps its stored dtype (uint64 above 2**63 - 1): rows of Python
            # ints concatenated per unit became float64 when uint64 met int64, and lost digits
            nid = np.asarray(nids)
            if nid.dtype.kind in "OSU":
                nid = np.array([v.decode() if isinstance(v, bytes) else _py(v) for v in nid],
                               dtype=object)
                nid = as_ids(nid, "NWB units neuron_id") if len(nid) else nid
            sp = pd.DataFrame({"trial": np.asarray(trials, dtype=np.int64)[unit],
                               "neuron_id": nid[unit],
                               "time": np.concatenate(times) if times else np.empty(0)})
            out["spikes"] = sp
        series = [s for s in nwb.acquisition.values() if isinstance(s, CurrentClampSeries)]
        if series:
            cols, data, multi, index = [], [], False, None
            metas = [_series_meta(s) for s in series]
            order = sorted(range(len(series)), key=lambda k: (metas[k]["column"], k))
            for k in order:
                s, meta = series[k], metas[k]
                v = np.asarray(s.data[:], dtype=np.float64)
                if s.conversion != 1e-3:  # foreign file: convert to mV
                    v = v * s.conversion * 1000.0 + s.offset * 1000.0
                if index is None:
                    if s.timestamps is not None:
                        index = np.asarray(s.timestamps[:], dtype=np.float64) * 1000.0
                    elif meta.get("dt_ms") is not None:  # our files: t = t0 + k dt, in ms
                        index = meta["t0_ms"] + np.arange(len(v)) * meta["dt_ms"]
                    else:
                        index = (s.starting_time + np.arange(len(v)) / s.rate) * 1000.0
                multi = multi or meta["trial"] is not None
                cols.append((meta["trial"], meta["id"]))
                data.append(v)
            columns = (pd.MultiIndex.from_tuples(cols, names=["trial", "id"]) if multi
                       else [c[1] for c in cols])
            out["voltages"] = pd.DataFrame(np.column_stack(data), index=pd.Index(
                index, name="time"), columns=columns)
    return out
