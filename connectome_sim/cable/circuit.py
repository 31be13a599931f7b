"""``Circuit``: several skeletons as cable models, wired at their synapse sites.

One :class:`~connectome_sim.cable.model.CompartmentModel` per skeleton; all cells are solved in
the same numba time step: the cable engine of single cells, each cell solved as it would be
alone, cells optionally in parallel (see :mod:`connectome_sim.engine.cable_run`).
``circuit[neuron_id]`` is that cell's CompartmentModel, so single-cell code (``insert``,
``add_voltage_record``, ``inject_current_pulse``, ``add_spike_detector``...) carries over; after
:meth:`Circuit.run_simulation` every cell's ``records``/``spikes``/``t`` are filled as if it had
been run alone.

Release models (see :meth:`Circuit.connect_synapses`):

* ``'spike'`` (default, NEURON NetCon semantics): a presynaptic spike is detected when the
  voltage at the presynaptic site (or the root, ``detect='root'``) crosses ``threshold`` mV
  upwards (checked at every step on v(t)); after ``delay`` ms it increments the Exp2Syn of the
  postsynaptic site by ``weight`` µS (peak-normalised as NEURON's Exp2Syn).
* ``'graded'`` (non-spiking transmission, common in insects): conductance
  ``g = weight * s`` (µS), ``ds/dt = (s_inf(V_pre) - s) / tau``,
  ``s_inf(V) = 1 / (1 + exp(-(V - v_half) / slope))`` with ``tau = tau2`` of the receptor
  (ms); V_pre is the presynaptic site's voltage, used with a one-step lag.

Units (NEURON): ms, mV, µm, µF/cm², Ω·cm, S/cm², nA, µS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectome_sim.errors import (ParameterError, UnknownIDError, check_flag, check_number,
                                   check_whole)
from connectome_sim.mechanisms.point import Exp2Syn

from .circuit_wiring import parse_synapse_table
from .drives import Drive, receptor
from .model import CompartmentModel, Section

__all__ = ["Circuit"]


def _neuron_items(neurons):
    """(neuron_id, skeleton or model) pairs from a NeuronList, list or dict."""
    if isinstance(neurons, dict):
        return list(neurons.items())
    try:
        import navis
        if isinstance(neurons, navis.TreeNeuron):
            neurons = [neurons]
    except ImportError:  # pragma: no cover
        pass
    items = []
    for k, n in enumerate(neurons):
        if isinstance(n, CompartmentModel):
            nid = n.geometry.morphology.name
        else:
            nid = getattr(n, "id", None)
        if nid is None:
            nid = k
        items.append((nid.item() if hasattr(nid, "item") else nid, n))
    return items


def _check_dynamics(kind: str, dyn: dict) -> dict:
    """A drive's law parameters (ms, Hz) checked where the drive is added, as numbers."""
    spec = {   # keyword -> (low bound, strict, +inf allowed)
        "mu": (None, False, False), "sigma": (0, False, False), "rate": (0, True, False),
        "burst_rate": (0, True, False), "tstart": (0, False, False),
        "tstop": (0, False, True), "burst_std": (0, False, False),
        "spike_isi": (0, False, False), "tstart_std": (0, False, False)}
    out = dict(dyn)
    for key, value in dyn.items():
        if key == "numspikes":
            out[key] = check_whole(value, key, low=0 if kind == "evoked" else 1)
        else:
            low, strict, inf = spec[key]
            out[key] = check_number(value, key, low=low, strict=strict, allow_inf=inf,
                                    unit="Hz" if "rate" in key else "ms")
    return out


def _drive_sites(model, loc) -> np.ndarray:
    """Compartments of a drive's synapses on ``model`` (see ``add_evoked_drive``'s
    ``location``): one per node ID given (repeats kept), or one per section of a label
    selection, the selected compartment nearest the section's middle."""
    g = model.geometry
    plain = not isinstance(loc, (dict, str)) and np.ndim(loc) <= 1
    if plain and np.ndim(loc) == 0:
        loc = [loc]
    if plain and len(loc) and not any(isinstance(v, (str, Section)) for v in loc):
        # (a node at a branch point is a zero-area junction node: a synapse there injects
        # its current into the junction, as NEURON allows at x = 0 or 1 and as
        # connect_synapses does at connector nodes)
        return np.array([c for _key, c in model._targets(list(loc))], dtype=np.int64)
    comps = np.unique(model._select(loc))
    comps = comps[~g.is_junction[comps]]
    sec = g.section[comps]
    sites = []
    for s in np.unique(sec):
        mine = comps[sec == s]
        mid = g._at(int(s), 0.5)
        # the selected compartment nearest sec(0.5): by position along the section
        sites.append(int(mine[np.argmin(np.abs(g.x[mine] - g.x[mid]))]))
    return np.array(sites, dtype=np.int64)


class Circuit:
    """Cable models of several skeletons solved together.

    Parameters
    ----------
    neurons : navis.NeuronList, list or dict
        Skeletons (navis TreeNeurons, SWC paths, node tables) or ready CompartmentModels.
        Neuron IDs are the navis ``id`` (the dict keys for a dict; the model name for models).
    res : float
        Maximum segment length (µm) for skeletons.
    d_lambda : float, optional
        NEURON's d_lambda rule instead of ``res``.
    Ra : float
        Axial resistivity (Ω·cm).
    cm : float
        Specific membrane capacitance (µF/cm²).
    **geometry_kwargs
        Passed to :func:`connectome_sim.morphology.build_geometry` (``soma``, ``heal``...).

    Attributes
    ----------
    models : dict
        neuron ID -> CompartmentModel.
    synapses : pandas.DataFrame
        Every synapse added by :meth:`connect_synapses` (node IDs, weights, snapping distances).
    dipole : pandas.DataFrame
        After a run with ``dipole=True``: current dipole moment (nA·µm) indexed by time (ms)
        [and trial], columns (neuron ID or 'total', 'x'/'y'/'z').
    lfp : pandas.DataFrame
        Extracellular potential (mV) at the electrodes (columns 0..n-1) after a run.
    spikes : pandas.DataFrame
        ``neuron``, ``node_id``, ``label``, ``time`` (ms) [, ``trial``] of all spike detectors.
    """

    def __init__(self, neurons, res: float = 10.0, d_lambda: float | None = None,
                 Ra: float = 35.4, cm: float = 1.0, **geometry_kwargs):
        self.models: dict = {}
        for nid, n in _neuron_items(neurons):
            if nid in self.models:
                raise ParameterError(f"neuron ID {nid!r} appears twice; pass a dict "
                                     "{id: neuron} to name the cells")
            self.models[nid] = n if isinstance(n, CompartmentModel) else CompartmentModel(
                n, res=res, d_lambda=d_lambda, Ra=Ra, cm=cm, **geometry_kwargs)
        if not self.models:
            raise ParameterError("a Circuit needs at least one neuron")
        self._syn = {nid: [] for nid in self.models}
        self._netcons, self._graded, self._gj, self._drives = [], [], [], []
        self._im_records, self._electrodes, self._sigma = [], None, 0.3
        self.synapses = pd.DataFrame()
        self.dipole = self.lfp = self.spikes = self.t = None
        self.membrane_currents = None

    # ------------------------------------------------------------------ access
    def __getitem__(self, neuron_id) -> CompartmentModel:
        try:
            return self.models[neuron_id]
        except KeyError:
            raise UnknownIDError(f"neuron {neuron_id!r} is not in the circuit; neurons: "
                                 f"{list(self.models)[:20]}") from None

    def __len__(self) -> int:
        return len(self.models)

    def __iter__(self):
        return iter(self.models.values())

    def __contains__(self, neuron_id) -> bool:
        return neuron_id in self.models

    @property
    def neuron_ids(self) -> list:
        """Neuron IDs in circuit order."""
        return list(self.models)

    def _pick(self, neurons):
        if neurons is None:
            return list(self.models.values())
        return [self[n] for n in np.atleast_1d(np.asarray(neurons, dtype=object))]

    def insert(self, mechanism, subset=None, neurons=None, **params) -> None:
        """Insert a mechanism in every cell (or ``neurons``); see CompartmentModel.insert."""
        for m in self._pick(neurons):
            m.insert(mechanism, subset=subset, **params)

    def set_Ra(self, value: float, neurons=None) -> None:
        """Axial resistivity (Ω·cm) of every cell (or ``neurons``)."""
        for m in self._pick(neurons):
            m.Ra = value

    def set_cm(self, value: float, neurons=None) -> None:
        """Specific capacitance (µF/cm²) of every cell (or ``neurons``)."""
        for m in self._pick(neurons):
            m.cm = value

    def _cells(self) -> dict:
        out = {}
        for nid, m in self.models.items():
            morph = m.geometry.morphology
            nodes = morph.nodes
            out[nid] = {"nodes": nodes, "node_ids": nodes["node_id"].to_numpy(),
                        "connectors": m.geometry.connector_table, "root": morph.root}
        return out

    def _comp(self, nid, node) -> int:
        return int(self[nid].geometry.node_to_compartment([node])[0])

    def _add_syn(self, nid, comp, tau1, tau2, e) -> int:
        self._syn[nid].append({"comp": comp, "params": Exp2Syn(tau1=tau1, tau2=tau2, e=e)
                               .kernel_params()})
        return len(self._syn[nid]) - 1

    # ------------------------------------------------------------------ wiring
    def connect_synapses(self, table: pd.DataFrame, *, weight=None, delay: float = 1.0,
                         threshold: float = -10.0, velocity=None, detect: str = "site",
                         release: str = "spike", v_half: float = -40.0, slope: float = 5.0,
                         receptor_exc: str = "ampa", receptor_inh: str = "gabaa",
                         max_snap: float = 5.0) -> pd.DataFrame:
        """Add synapses from a table (one row per synapse).

        Parameters
        ----------
        table : pandas.DataFrame
            ``pre``, ``post`` (neuron IDs) and the sites (``pre_node``/``post_node``, or
            ``pre_connector``/``post_connector``, or ``pre_x/y/z``/``post_x/y/z`` in µm, snapped
            to the nearest node); optional ``weight`` (µS), ``tau1``, ``tau2`` (ms), ``e`` (mV),
            ``threshold`` (mV), ``delay`` (ms), ``receptor``, ``sign`` or a neurotransmitter
            column (see :mod:`connectome_sim.cable.circuit_wiring`).
        weight : float, optional
            Weight (µS) if the table has no ``weight`` column.
        delay : float
            Default delay (ms).
        threshold : float
            Default NetCon threshold (mV).
        velocity : float, optional
            Conduction velocity (m/s) adding ``path length / velocity`` to the delays.
        detect : {'site', 'root'}
            Spike detection at the presynaptic site or at the presynaptic root (soma).
        release : {'spike', 'graded'}
            NetCon-style release or graded transmission (module docstring).
        v_half, slope : float
            Graded release: half-activation voltage and slope (mV).
        receptor_exc, receptor_inh : str
            Default receptors of excitatory / inhibitory rows.
        max_snap : float
            Largest snapping distance for coordinate sites (µm); farther raises SkeletonError.

        Returns
        -------
        pandas.DataFrame
            The parsed synapses (node IDs, weights, kinetics, delays, snapping distances).
        """
        if release not in ("spike", "graded"):
            raise ParameterError(f"release must be 'spike' or 'graded', got {release!r}")
        if release == "graded" and slope <= 0:
            raise ParameterError(f"graded release needs slope > 0 mV, got {slope}")
        syn = parse_synapse_table(table, self._cells(), weight=weight, delay=delay,
                                  threshold=threshold, velocity=velocity, detect=detect,
                                  receptor_exc=receptor_exc, receptor_inh=receptor_inh,
                                  max_snap=max_snap)
        syn["release"] = release
        for row in syn.itertuples():
            post_comp = self._comp(row.post, row.post_node)
            if release == "spike":
                s = self._add_syn(row.post, post_comp, row.tau1, row.tau2, row.e)
                self._netcons.append({"pre": row.pre, "det_comp": self._comp(row.pre, row.detect_node),
                                      "threshold": float(row.threshold), "post": row.post,
                                      "syn": s, "weight": float(row.weight),
                                      "delay": float(row.delay)})
            else:
                self._graded.append({"pre": row.pre, "pre_comp": self._comp(row.pre, row.pre_node),
                                     "post": row.post, "post_comp": post_comp,
                                     "par": (row.weight, row.e, v_half, slope, row.tau2)})
        self.synapses = pd.concat([self.synapses, syn]) if len(self.synapses) else syn
        return syn

    def add_gap_junction(self, neuron_a, node_a, neuron_b, node_b, g: float) -> None:
        """Gap junction of conductance ``g`` (µS) between two nodes (solved implicitly)."""
        try:   # (text failed in numpy's isfinite; True was taken as 1 µS)
            g = check_number(g, "g", low=0, strict=True, unit="µS")
        except ParameterError as e:
            raise ParameterError(f"add_gap_junction: gap junction conductance {e}") from None
        comps = []
        for kw, nid, node in (("node_a", neuron_a, node_a), ("node_b", neuron_b, node_b)):
            self[nid]
            try:
                comps.append(self._comp(nid, node))
            except UnknownIDError as e:
                raise UnknownIDError(f"add_gap_junction: {kw}={node!r} of neuron {nid!r}: "
                                     f"{e}") from None
        ca, cb = comps
        if neuron_a == neuron_b and ca == cb:
            raise ParameterError(f"gap junction between nodes {node_a} and {node_b} of neuron "
                                 f"{neuron_a!r} joins a compartment to itself")
        self._gj.append((neuron_a, ca, neuron_b, cb, float(g)))

    # ------------------------------------------------------------------ drives
    def _add_drive(self, name, kind, dynamics, location, weights_ampa, weights_nmda,
                   synaptic_delays, cell_specific, seed, neurons, receptors):
        if any(d.name == name for d in self._drives):
            raise ParameterError(f"a drive named {name!r} exists already")
        try:   # every value checked before any synapse is added, naming its keyword
            dynamics = _check_dynamics(kind, dynamics)
            seed = check_whole(seed, "seed")
            cell_specific = check_flag(cell_specific, "cell_specific")
        except ParameterError as e:
            raise ParameterError(f"drive {name!r}: {e}") from None
        if "tstop" in dynamics and not dynamics["tstop"] >= dynamics.get("tstart", 0.0):
            raise ParameterError(f"drive {name!r}: tstop={dynamics['tstop']!r} ms must be >= "
                                 f"tstart={dynamics.get('tstart', 0.0)!r} ms")
        recs = dict(receptors or {})
        if weights_ampa is not None:
            recs["ampa"] = weights_ampa
        if weights_nmda is not None:
            recs["nmda"] = weights_nmda
        if not recs:
            raise ParameterError(f"drive {name!r}: give weights_ampa and/or weights_nmda (µS) "
                                 "or receptors={'gabaa': w, ...}")
        targets = list(self.models) if neurons is None else [
            n.item() if isinstance(n, np.generic) else n for n in np.atleast_1d(neurons)]
        unknown = [n for n in targets if n not in self.models]
        if unknown:
            raise UnknownIDError(f"drive {name!r}: neurons= lists {unknown[:5]}, not in the "
                                 f"circuit; neurons: {list(self.models)[:20]}")

        def number(value, keyword, nid, unit):
            try:
                return check_number(value, keyword, low=0, unit=unit)
            except ParameterError as e:
                raise ParameterError(f"drive {name!r}, neuron {nid!r}: {e}") from None

        kw_of = {"ampa": "weights_ampa", "nmda": "weights_nmda"}
        for what, value in [("location", location), ("synaptic_delays", synaptic_delays)] + [
                (kw_of.get(r, f"receptors[{r!r}]"), w) for r, w in recs.items()]:
            if isinstance(value, dict):
                unknown = [k for k in value if k not in self.models]
                if unknown:
                    raise UnknownIDError(f"drive {name!r}: {what} names neuron(s) {unknown[:5]} "
                                         f"that are not in the circuit; neurons: "
                                         f"{list(self.models)[:20]}")
        plan = []
        for nid in targets:
            m = self[nid]
            loc = location.get(nid) if isinstance(location, dict) else location
            if loc is None:
                continue
            try:
                comps = _drive_sites(m, loc)
            except UnknownIDError as e:   # (named the skeleton only, not the drive)
                raise UnknownIDError(f"drive {name!r}: location {loc!r} of neuron {nid!r}: "
                                     f"{e}") from None
            if not len(comps):
                raise ParameterError(f"drive {name!r}: location {loc!r} selects no membrane "
                                     f"compartment of neuron {nid!r}")
            dl = synaptic_delays.get(nid, 0.0) if isinstance(synaptic_delays, dict) \
                else synaptic_delays
            dl = number(dl, "synaptic_delays", nid, "ms")
            for rname, w in recs.items():
                w = w.get(nid) if isinstance(w, dict) else w
                if w is None:
                    continue
                w = number(w, kw_of.get(rname, f"receptors[{rname!r}]"), nid, "µS")
                if w == 0:
                    continue
                plan.append((nid, comps, rname, receptor(rname), w, dl))
        if not plan:
            raise ParameterError(f"drive {name!r}: it targets no synapse (neurons={neurons!r}, "
                                 "location and weights select none); give some targets")
        rows = []
        for nid, comps, rname, kin, w, dl in plan:
            for c in comps:
                s = self._add_syn(nid, int(c), kin["tau1"], kin["tau2"], kin["e"])
                rows.append((nid, int(c), rname, w, dl, s))
        drive = Drive(name, kind, dynamics, pd.DataFrame(
            rows, columns=["neuron", "compartment", "receptor", "weight", "delay", "syn"]),
            cell_specific=cell_specific, seed=seed)
        self._drives.append(drive)
        return drive

    def add_evoked_drive(self, name, mu, sigma, numspikes=1, location="dendrite", *,
                         weights_ampa=None, weights_nmda=None, receptors=None,
                         synaptic_delays=0.1, cell_specific=True, seed=0, neurons=None):
        """Evoked drive (HNN-core): spike times from N(mu, sigma) ms, ``numspikes`` per trial.

        Parameters
        ----------
        name : str
        mu, sigma : float
            Mean and s.d. of the spike times (ms).
        numspikes : int
        location : label name, node IDs, or dict neuron ID -> location
            Target sites, one synapse per receptor at each: node IDs give one synapse per
            node (at its compartment, as :meth:`connect_synapses`); a label (or NEURON
            section name) gives one per section it selects, at the selected compartment
            nearest the section's middle, as HNN-core places drives at ``sec(0.5)``
            (Neymotin et al. 2020, eLife 9:e51214).  Either way the number of synapses, so
            the drive's strength, does not change with the discretisation.
        weights_ampa, weights_nmda : float or dict neuron ID -> float
            Weight per synapse (µS).
        receptors : dict, optional
            Other receptors, e.g. ``{'gabaa': 0.01}``.
        synaptic_delays : float or dict
            Delay (ms).
        cell_specific : bool
            Independent spike train per target neuron (True) or one shared train.
        seed : int
            Trains use ``make_rng(seed, trial, drive index, cell)``.
        neurons : list, optional
            Target neurons (default all).
        """
        return self._add_drive(name, "evoked", {"mu": mu, "sigma": sigma, "numspikes": numspikes},
                               location, weights_ampa, weights_nmda, synaptic_delays,
                               cell_specific, seed, neurons, receptors)

    def add_poisson_drive(self, name, rate, tstart=0.0, tstop=None, location="dendrite", *,
                          weights_ampa=None, weights_nmda=None, receptors=None,
                          synaptic_delays=0.1, cell_specific=True, seed=0, neurons=None):
        """Poisson drive (HNN-core): ``rate`` Hz from ``tstart`` to ``tstop`` ms (see
        :meth:`add_evoked_drive` for the other parameters)."""
        dyn = {"rate": rate, "tstart": tstart}
        if tstop is not None:
            dyn["tstop"] = tstop
        return self._add_drive(name, "poisson", dyn, location, weights_ampa, weights_nmda,
                               synaptic_delays, cell_specific, seed, neurons, receptors)

    def add_bursty_drive(self, name, burst_rate, tstart=0.0, tstop=None, burst_std=0.0,
                         numspikes=2, spike_isi=10.0, tstart_std=0.0, location="dendrite", *,
                         weights_ampa=None, weights_nmda=None, receptors=None,
                         synaptic_delays=0.1, cell_specific=True, seed=0, neurons=None):
        """Bursty drive (HNN-core): bursts of ``numspikes`` spikes ``spike_isi`` ms apart at
        ``burst_rate`` Hz, jittered by ``burst_std`` ms (see :meth:`add_evoked_drive`)."""
        dyn = {"burst_rate": burst_rate, "tstart": tstart, "burst_std": burst_std,
               "numspikes": numspikes, "spike_isi": spike_isi, "tstart_std": tstart_std}
        if tstop is not None:
            dyn["tstop"] = tstop
        return self._add_drive(name, "bursty", dyn, location, weights_ampa, weights_nmda,
                               synaptic_delays, cell_specific, seed, neurons, receptors)

    def _drive_events(self, n_trials: int, tstop: float):
        """Per trial: list of (neuron ID, local synapse index, arrival times ms, weight µS)."""
        ids = list(self.models)
        out = []
        for tr in range(n_trials):
            ev = []
            for di, d in enumerate(self._drives):
                trains = {}
                for row in d.targets.itertuples():
                    cell = ids.index(row.neuron) if d.cell_specific else 0
                    if cell not in trains:
                        trains[cell] = d.times(tr, di, cell, tstop)
                    t = trains[cell] + row.delay
                    ev.append((row.neuron, row.syn, t[t <= tstop + 1e-9], row.weight))
            out.append(ev)
        return out

    # ------------------------------------------------------------------ extracellular
    def add_electrodes(self, positions, sigma: float = 0.3) -> None:
        """Electrodes (µm, shape (n, 3)) for the extracellular potential; ``sigma`` in S/m."""
        pos = np.asarray(positions, float).reshape(-1, 3)
        if not np.all(np.isfinite(pos)):
            raise ParameterError("electrode positions must be finite (µm)")
        self._electrodes, self._sigma = pos, float(sigma)

    def add_membrane_current_record(self, neuron_id, where=None) -> None:
        """Record transmembrane currents (nA, outward positive) of a cell's compartments at
        ``where`` (node IDs / labels), or of all its compartments (columns = compartment
        indices) if ``where`` is None.  Results in :attr:`membrane_currents`."""
        m = self[neuron_id]
        if where is None:
            for c in range(m.n_compartments):
                self._im_records.append((neuron_id, c, c))
        else:
            for key, c in m._targets(where):
                self._im_records.append((neuron_id, c, key))

    # ------------------------------------------------------------------ running
    def run_simulation(self, duration: float = 25, v_init: float = -65, dt: float = 0.025,
                       method: str = "be", n_trials: int = 1, seed: int | None = None,
                       celsius: float = 6.3, record_every: int = 1, dipole: bool = True,
                       parallel: bool = False):
        """Run all cells together for ``duration`` ms (fixed step ``dt`` ms, ``v_init`` mV).

        Parameters
        ----------
        duration : float
            Simulated time (ms).
        v_init : float
            Initial membrane potential of every compartment (mV).
        dt : float
            Fixed time step (ms).
        method : {'be', 'cn'}
            Backward Euler (NEURON default) or Crank–Nicolson.
        n_trials : int
            Number of trials, each with its own per-trial random streams.
        seed : int, optional
            Seed of the random streams (NetStim noise).
        celsius : float
            Temperature (°C) for temperature-dependent mechanisms.
        record_every : int
            Keep every k-th time step of the records (count).
        dipole : bool
            Record each cell's current dipole.
        parallel : bool
            Solve the cells on all numba threads inside every time step (results do not
            depend on the number of threads); it synchronises the threads at every step,
            which pays off only for large cells on otherwise idle cores, so it is off by
            default.

        Returns
        -------
        Circuit
            ``self``, with the results set.
        """
        from .circuit_run import run_circuit_model
        run_circuit_model(self, duration, v_init, dt, method, n_trials, seed, celsius,
                          record_every, dipole, parallel)
        return self

    def plot_dipole(self, neurons=None, component: str = "z", show: bool = False):
        """Plotly figure of the dipole moment (nA·µm) over time; ``neurons`` default all +
        total."""
        from .circuit_plot import plot_dipole
        return plot_dipole(self, neurons=neurons, component=component, show=show)

    def plot_3d(self, **kwargs):
        """3-D view of all cells coloured by recorded voltage (plotly, time slider)."""
        from .circuit_plot import plot_circuit_3d
        return plot_circuit_3d(self, **kwargs)

    def __repr__(self) -> str:
        return (f"Circuit<{len(self.models)} neurons, "
                f"{sum(m.n_compartments for m in self.models.values())} compartments, "
                f"{len(self._netcons)} NetCon synapses, {len(self._graded)} graded, "
                f"{len(self._gj)} gap junctions, {len(self._drives)} drives>")
