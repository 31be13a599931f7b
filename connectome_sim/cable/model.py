"""``CompartmentModel``: a NEURON-grade cable model of one skeleton, addressed by node ID.

Same names as navis's ``navis.interfaces.neuron.CompartmentModel``, without NEURON: the model is
compiled to flat arrays and run by the numba kernel of :mod:`connectome_sim.engine`.
Differences from navis: every subtree of the root is connected (navis leaves all but one root
child disconnected), labels given with several nodes do not overwrite each other, records are
pandas DataFrames, connectors and label names can be used as locations, and several trials run
in parallel.

Units (NEURON): ms, mV, µm, µF/cm², Ω·cm, S/cm², nA, µS.
"""

from __future__ import annotations

import numpy as np

from connectome_sim.errors import ParameterError, UnknownIDError, check_number
from connectome_sim.ids import as_id, as_ids
from connectome_sim.mechanisms.channel import get_mechanism
from connectome_sim.mechanisms.point import AlphaSynapse, Exp2Syn, ExpSyn, IClamp
from connectome_sim.stimuli import check_spike_times

from .runner import run_model

__all__ = ["CompartmentModel", "Section", "Segment"]


class Section(int):
    """A section index (as returned by :meth:`CompartmentModel.get_node_section`).

    Plain ints passed as ``where``/``subset`` are node IDs; wrap section indices in
    ``Section`` (or pass ``{'sections': [...]}``) to address whole sections.
    """

    def __repr__(self) -> str:
        return f"Section({int(self)})"


class Segment(tuple):
    """``(section, x)`` of a node (as returned by :meth:`CompartmentModel.get_node_segment`)."""

    def __repr__(self) -> str:
        return f"Segment(section={self[0]}, x={self[1]:.4g})"


class CompartmentModel:
    """Compartment model of a skeleton.

    Parameters
    ----------
    skeleton : navis.TreeNeuron, NeuronList of one, SWC path, DataFrame or CableGeometry
        The neuron (µm; navis nm neurons are converted).  See
        :func:`connectome_sim.morphology.build_geometry`.
    res : float
        Maximum segment length (µm), default 10.
    d_lambda : float, optional
        Use NEURON's d_lambda rule instead of ``res``.
    Ra : float
        Axial resistivity (Ω·cm), NEURON default 35.4.
    cm : float
        Specific membrane capacitance (µF/cm²), NEURON default 1.
    **geometry_kwargs
        Passed to :func:`~connectome_sim.morphology.build_geometry`: ``soma`` ('neuron':
        NEURON's Import3d reading, the default for SWC/ASC/HDF5 files; 'navis': navis's
        reading, the default for navis neurons and node tables), ``units``,
        ``radius_policy``, ``root``, ``heal``, ``freq``, ``float32_pt3d``.

    Raises
    ------
    ParameterError
        For ``Ra`` or ``cm`` that are not positive finite numbers (naming the keyword).

    Notes
    -----
    A bare model has no membrane mechanism (purely capacitive), as in NEURON and navis.
    """

    def __init__(self, skeleton, res: float = 10.0, d_lambda: float | None = None,
                 Ra: float = 35.4, cm: float = 1.0, **geometry_kwargs):
        from connectome_sim.morphology import CableGeometry, build_geometry
        Ra = _positive(Ra, "Ra (Ω·cm)")
        cm = _positive(cm, "cm (µF/cm²)")
        if isinstance(skeleton, CableGeometry):
            self.geometry = skeleton
        else:
            self.geometry = build_geometry(skeleton, res=res, d_lambda=d_lambda, Ra=Ra, cm=cm,
                                           **geometry_kwargs)
        g = self.geometry
        self._Ra_sec = np.full(g.n_sections, float(Ra))
        self._cm = np.full(g.n_comp, float(cm))
        self._mechs = {}
        self.clear()

    # ------------------------------------------------------------------ basic properties
    @property
    def n_compartments(self) -> int:
        """Number of compartments (segments + zero-area junctions)."""
        return self.geometry.n_comp

    @property
    def n_segments(self) -> int:
        """Number of segments (compartments with membrane; NEURON's total nseg)."""
        return int(np.count_nonzero(~self.geometry.is_junction))

    @property
    def n_sections(self) -> int:
        """Number of sections."""
        return self.geometry.n_sections

    @property
    def nodes(self):
        """Node table (index node_id; section, x, compartment, label columns)."""
        return self.geometry.node_table

    @property
    def Ra(self):
        """Axial resistivity per section (Ω·cm); a scalar if uniform.  Set a float for all."""
        u = np.unique(self._Ra_sec)
        return float(u[0]) if len(u) == 1 else self._Ra_sec.copy()

    @Ra.setter
    def Ra(self, value):
        self.set_Ra(value)

    @property
    def cm(self):
        """Specific capacitance per compartment (µF/cm²); a scalar if uniform."""
        u = np.unique(self._cm[~self.geometry.is_junction])
        return float(u[0]) if len(u) == 1 else self._cm.copy()

    @cm.setter
    def cm(self, value):
        self.set_cm(value)

    def set_Ra(self, value: float, subset=None) -> None:
        """Set Ra (Ω·cm) for all sections or the sections containing ``subset``."""
        value = _positive(value, "Ra (Ω·cm)")
        if subset is None:
            self._Ra_sec[:] = value
        else:
            self._Ra_sec[np.unique(self.geometry.section[self._select(subset)])] = value

    def set_cm(self, value: float, subset=None) -> None:
        """Set cm (µF/cm²) for all compartments or those of ``subset``."""
        value = _positive(value, "cm (µF/cm²)")
        if subset is None:
            self._cm[:] = value
        else:
            self._cm[self._select(subset)] = value

    # ------------------------------------------------------------------ addressing
    def _select(self, where) -> np.ndarray:
        """Compartments for node IDs / connector IDs / labels / Section objects / dicts."""
        if isinstance(where, Section):
            return self.geometry.select(sections=[int(where)])
        if isinstance(where, (list, tuple, set, np.ndarray)) and len(where) and \
                all(isinstance(w, Section) for w in where):
            return self.geometry.select(sections=[int(w) for w in where])
        return self.geometry.select(where)

    def _targets(self, where) -> list[tuple[object, int]]:
        """(key, compartment) pairs: node IDs stay keys; labels/sections/connectors resolve to
        compartments keyed by a node ID in them.  Node IDs follow :mod:`connectome_sim.ids`
        (booleans and non-integral floats are refused, naming the value)."""
        if where is None:
            raise ParameterError("give a location: node ID(s), connector IDs, label names, "
                                 "NEURON section names ('dend[3](0.5)') or Section objects")
        plain = not isinstance(where, (dict, str, Section))
        if plain and not (isinstance(where, (list, tuple, set, np.ndarray)) and len(where)
                          and all(isinstance(w, Section) for w in where)):
            ids = as_ids(list(where) if isinstance(where, set) else where, "where")
            if ids.dtype != object:
                comps = self.geometry.node_to_compartment(ids)
                return list(zip([int(x) for x in ids], comps.tolist()))
            where = list(ids)
        comps = self._select(where)
        return [(self._comp_key(c), int(c)) for c in comps]

    def _comp_key(self, c: int):
        nodes = self.geometry.compartment_to_nodes(c)
        return int(nodes[0]) if nodes else f"comp{c}"

    def get_node_section(self, node_ids):
        """Section (a :class:`Section` int) of each node ID; a single one for a scalar."""
        rows = self.geometry.node_table.loc[self._check_nodes(node_ids), "section"].to_numpy()
        out = [Section(int(s)) for s in rows]
        return out[0] if np.isscalar(node_ids) else out

    def get_node_segment(self, node_ids):
        """``Segment(section, x)`` of each node ID (x = NEURON arc position in [0, 1])."""
        nt = self.geometry.node_table.loc[self._check_nodes(node_ids)]
        out = [Segment((Section(int(s)), float(x))) for s, x in zip(nt["section"], nt["x"])]
        return out[0] if np.isscalar(node_ids) else out

    def get_node_compartment(self, node_ids) -> np.ndarray:
        """Compartment index of each node ID (internal numbering, for advanced use)."""
        return self.geometry.node_to_compartment(node_ids)

    def _check_nodes(self, node_ids) -> np.ndarray:
        ids = as_ids(node_ids, "node_ids")
        self.geometry._lookup(ids, what="node_ids")  # UnknownIDError listing unknown IDs
        return ids

    # ------------------------------------------------------------------ mechanisms
    def insert(self, mechanism, subset=None, **params) -> None:
        """Insert a density mechanism ('pas', 'hh' or a :class:`~connectome_sim.mechanisms.
        Channel`) on all membrane compartments or on ``subset``.

        Parameters
        ----------
        mechanism : str or DensityMechanism
        subset : node IDs, connector IDs, label names, Section objects or dict, optional
            Where to insert.  Node IDs select the compartments holding them; Sections (from
            :meth:`get_node_section`) select whole sections as in NEURON.
        **params
            Mechanism parameters in NEURON units (pas: g S/cm², e mV; hh: gnabar, gkbar, gl
            S/cm², el, ena, ek mV).  Re-inserting updates the given parameters only.

        Raises
        ------
        ParameterError
            Unknown mechanism or parameter (the message lists the valid ones).
        UnknownIDError
            Unknown IDs in ``subset``.
        """
        mech = get_mechanism(mechanism)
        full = mech.validate(params)
        comps = np.arange(self.n_compartments) if subset is None else self._select(subset)
        comps = comps[~self.geometry.is_junction[comps]]
        entry = self._mechs.get(mech.name)
        if entry is None or entry["mech"] is not mech:
            entry = {"mech": mech, "mask": np.zeros(self.n_compartments, bool),
                     "par": np.tile(np.array([mech.defaults[k] for k in mech.param_names],
                                             float), (self.n_compartments, 1))}
            self._mechs[mech.name] = entry
        fresh = comps[~entry["mask"][comps]]
        for c, k in enumerate(mech.param_names):
            if k in params:
                entry["par"][comps, c] = full[k]
            else:
                entry["par"][fresh, c] = mech.defaults[k]
        entry["mask"][comps] = True

    def uninsert(self, mechanism, subset=None) -> None:
        """Remove a mechanism from all compartments or from ``subset``."""
        name = mechanism if isinstance(mechanism, str) else mechanism.name
        if name not in self._mechs:
            return
        if subset is None:
            del self._mechs[name]
        else:
            self._mechs[name]["mask"][self._select(subset)] = False

    @property
    def mechanisms(self) -> dict:
        """Inserted mechanisms: name -> number of compartments."""
        return {k: int(v["mask"].sum()) for k, v in self._mechs.items()}

    # ------------------------------------------------------------------ records
    def _add_record(self, kind, where, label, extra=None):
        targets = self._targets(where)
        for key, comp in targets:
            col = key if label is None else (label if len(targets) == 1 else f"{label}:{key}")
            self._records.append({"kind": kind, "label": col, "comp": comp, "key": key,
                                  **(extra or {})})

    def add_voltage_record(self, where, label=None) -> None:
        """Record the membrane potential (mV) at ``where``.

        Parameters
        ----------
        where : int, array-like of int, str or Section
            Location(s): node ID(s), connector IDs, label names or Section objects.
        label : str, optional
            Column name. Columns are the node IDs, or ``label`` (one location) /
            ``'label:<node ID>'`` (several locations; unlike navis, nothing is overwritten).
        """
        self._add_record("v", where, label)

    def add_state_record(self, where, state: str, mechanism: str = "hh", label=None) -> None:
        """Record a gating state (dimensionless), e.g. ``state='m', mechanism='hh'``.

        The locations must have the mechanism inserted.  Stored in ``records['<state>_<mech>']``.
        """
        if mechanism not in self._mechs:
            raise ParameterError(f"mechanism {mechanism!r} is not inserted; inserted: "
                                 f"{sorted(self._mechs)}")
        mech = self._mechs[mechanism]["mech"]
        if state not in mech.state_names:
            raise ParameterError(f"{mechanism} has no state {state!r}; states: "
                                 f"{list(mech.state_names)}")
        targets = self._targets(where)
        missing = [k for k, c in targets if not self._mechs[mechanism]["mask"][c]]
        if missing:
            raise ParameterError(f"{mechanism} is not inserted at {missing[:10]}")
        self._add_record("state", where, label, {"mech": mechanism, "state": state})

    def add_current_record(self, where, label=None) -> None:
        """Record the current (nA) of the point processes at ``where``.

        NEURON conventions: synaptic ``i = g (v - e)`` (positive outward), IClamp ``i = amp``
        (positive depolarising).

        Parameters
        ----------
        where : int, array-like of int, str or Section
            Location(s): node ID(s), connector IDs, label names or Section objects.
        label : str, optional
            Column name. Every point process at the location gets a column (``label`` or
            the node ID, then ``#k`` for the k-th extra one).

        Raises
        ------
        ParameterError
            If there is no point process (stimulus or synapse) at a location.
        """
        targets = self._targets(where)
        pps = self._points + self._synapses
        for key, comp in targets:
            here = [p for p in pps if p["comp"] == comp]
            if not here:
                raise ParameterError(f"no point process at {key}: add a stimulus or synapse "
                                     "there first")
            base = key if label is None else (label if len(targets) == 1 else f"{label}:{key}")
            for k, p in enumerate(here):
                self._records.append({"kind": "i", "label": base if k == 0 else f"{base}#{k}",
                                      "comp": comp, "key": key, "pp": p})

    def add_spike_detector(self, where, threshold: float = 20.0, label=None) -> None:
        """Record spike times where v crosses ``threshold`` (mV) upwards (NetCon semantics)."""
        check_number(threshold, "threshold", unit="mV")
        for key, comp in self._targets(where):
            lab = key if label is None else label
            self._detectors.append({"comp": comp, "threshold": float(threshold),
                                    "label": lab, "key": key, "record": True})

    # ------------------------------------------------------------------ stimuli
    def inject_current_pulse(self, where, start: float = 5, duration: float = 1,
                             current: float = 0.1) -> None:
        """IClamp at each location: ``start`` (ms), ``duration`` (ms), ``current`` (nA)."""
        check_number(start, "start", low=0, unit="ms")
        check_number(duration, "duration", low=0, unit="ms")
        check_number(current, "current", unit="nA")
        for key, comp in self._targets(where):
            self._points.append({"kind": "IClamp", "comp": comp, "key": key,
                                 "obj": IClamp(delay=start, dur=duration, amp=current)})

    def add_synaptic_current(self, where, start: float = 5, tau: float = 0.1,
                             rev_pot: float = 0, max_syn_cond: float = 0.1) -> None:
        """AlphaSynapse at each location: onset ``start`` (ms), ``tau`` (ms), reversal
        ``rev_pot`` (mV), peak conductance ``max_syn_cond`` (µS)."""
        check_number(start, "start", low=0, unit="ms")
        check_number(tau, "tau", low=0, strict=True, unit="ms")
        check_number(rev_pot, "rev_pot", unit="mV")
        check_number(max_syn_cond, "max_syn_cond", low=0, unit="µS")
        for key, comp in self._targets(where):
            self._points.append({"kind": "AlphaSynapse", "comp": comp, "key": key,
                                 "obj": AlphaSynapse(onset=start, tau=tau, gmax=max_syn_cond,
                                                     e=rev_pot)})

    def add_synapse(self, where, kind: str = "Exp2Syn", **params) -> list[int]:
        """Add event-driven synapses (``'Exp2Syn'``: tau1, tau2 ms, e mV; ``'ExpSyn'``: tau ms,
        e mV); returns their indices for :meth:`connect`."""
        cls = {"Exp2Syn": Exp2Syn, "ExpSyn": ExpSyn}.get(kind)
        if cls is None:
            raise ParameterError(f"unknown synapse kind {kind!r}; use 'Exp2Syn' or 'ExpSyn'")
        valid = list(cls.__dataclass_fields__)
        bad = sorted(set(params) - set(valid))
        if bad:
            raise ParameterError(f"unknown parameter(s) {bad} for {kind}; valid: {valid}")
        for name, value in params.items():
            check_number(value, name, low=0 if name.startswith("tau") else None,
                         strict=name.startswith("tau"))
        obj = cls(**params)
        obj.kernel_params()
        out = []
        for key, comp in self._targets(where):
            out.append(len(self._synapses))
            self._synapses.append({"kind": kind, "comp": comp, "key": key, "obj": obj})
        return out

    def add_synaptic_input(self, where, start: float = 5, spike_no: int = 1,
                           spike_int: float = 10, spike_noise: float = 0,
                           syn_tau1: float = 0.1, syn_tau2: float = 10, syn_rev_pot: float = 0,
                           cn_thresh: float = 10, cn_delay: float = 1, cn_weight: float = 0.05,
                           seed: int | None = None) -> int:
        """One NetStim driving an Exp2Syn at every location (navis semantics).

        Parameters
        ----------
        start : float
            NetStim start (ms).
        spike_no : int
            Number of presynaptic spikes.
        spike_int : float
            Mean interval (ms).
        spike_noise : float
            NetStim noise in [0, 1] (1: Poisson-like intervals).
        syn_tau1, syn_tau2 : float
            Exp2Syn rise/decay (ms).
        syn_rev_pot : float
            Reversal (mV).
        cn_thresh : float
            NetCon threshold (mV); unused for a NetStim source (kept for navis compatibility).
        cn_delay : float
            Delay (ms).
        cn_weight : float
            Weight (µS, peak conductance of one event).
        seed : int, optional
            Seed of the NetStim noise (trial k uses ``make_rng(seed, k, source)``); defaults
            to the ``seed`` of :meth:`run_simulation`, else 0.

        Returns
        -------
        int
            The source index (see :attr:`presynaptic_trains` after a run).
        """
        check_number(spike_noise, "spike_noise", low=0, high=1)
        _check_netstim(start, spike_no, spike_int, names=("start", "spike_no", "spike_int"))
        check_number(cn_delay, "cn_delay", low=0, unit="ms")
        check_number(cn_weight, "cn_weight", unit="µS")
        syns = self.add_synapse(where, "Exp2Syn", tau1=syn_tau1, tau2=syn_tau2, e=syn_rev_pot)
        src = {"kind": "netstim", "start": float(start), "number": float(spike_no),
               "interval": float(spike_int), "noise": float(spike_noise), "seed": seed,
               "targets": [(s, float(cn_weight), float(cn_delay)) for s in syns]}
        self._sources.append(src)
        return len(self._sources) - 1

    def connect(self, pre, where, syn_tau1: float = 0.1, syn_tau2: float = 10,
                syn_rev_pot: float = 0, cn_thresh: float = 10, cn_delay: float = 1,
                cn_weight: float = 0) -> None:
        """Connect a presynaptic source to new Exp2Syns at ``where``.

        Parameters
        ----------
        pre : int, array-like of float or dict
            A node ID of this model (spikes detected at ``cn_thresh`` mV), an array of spike
            times (ms), or a NetStim dict ``{'start', 'number', 'interval', 'noise'
            [, 'seed']}`` (ms for start and interval).
        where : int, array-like of int, str or Section
            Location(s): node ID(s), connector IDs, label names or Section objects.
        syn_tau1, syn_tau2 : float
            Rise and decay time constants of the Exp2Syn (ms).
        syn_rev_pot : float
            Synaptic reversal potential (mV).
        cn_thresh : float
            Spike detection threshold (mV) when ``pre`` is a node ID.
        cn_delay : float
            Connection delay (ms).
        cn_weight : float
            Connection weight = peak conductance (µS); navis's default 0 has no effect.
        """
        check_number(cn_weight, "cn_weight", unit="µS")
        check_number(cn_delay, "cn_delay", low=0, unit="ms")
        check_number(cn_thresh, "cn_thresh", unit="mV")
        pre = _check_pre(pre)
        syns = self.add_synapse(where, "Exp2Syn", tau1=syn_tau1, tau2=syn_tau2, e=syn_rev_pot)
        self.drive_synapses(pre, syns, weight=cn_weight, delay=cn_delay, threshold=cn_thresh)

    def drive_synapses(self, pre, synapses, weight: float, delay: float = 1.0,
                       threshold: float = 10.0) -> None:
        """Deliver the events of ``pre`` to existing synapses (indices from :meth:`add_synapse`).

        Parameters
        ----------
        pre : int, array of float or dict
            A node ID of this model (spikes detected where v crosses ``threshold`` mV
            upwards), spike times (ms), or a NetStim ``{'start' ms, 'number', 'interval' ms,
            'noise' [0-1], 'seed'}``.
        synapses : int or list of int
            Synapse indices.
        weight : float
            NetCon weight (µS): the peak conductance of one event for Exp2Syn, the jump of g
            for ExpSyn.
        delay : float
            NetCon delay (ms), >= 0.
        threshold : float
            Detection threshold (mV) when ``pre`` is a node ID.
        """
        syns = [int(k) for k in np.atleast_1d(synapses)]
        bad = [k for k in syns if not 0 <= k < len(self._synapses)]
        if bad:
            raise UnknownIDError(f"synapse index(es) {bad} do not exist "
                                 f"(0..{len(self._synapses) - 1})")
        check_number(delay, "delay", low=0, unit="ms")
        check_number(weight, "weight", unit="µS")
        check_number(threshold, "threshold", unit="mV")
        pre = _check_pre(pre)
        targets = [(k, float(weight), float(delay)) for k in syns]
        if isinstance(pre, dict):
            src = {"kind": "netstim", "start": 0.0, "number": 1.0, "interval": 10.0,
                   "noise": 0.0, "seed": None}
            unknown = sorted(set(pre) - {"start", "number", "interval", "noise", "seed"})
            if unknown:
                raise ParameterError(f"unknown NetStim parameter(s) {unknown}; valid: start, "
                                     "number, interval, noise, seed")
            src.update(pre)
            _check_netstim(src["start"], src["number"], src["interval"])
            check_number(src["noise"], "noise", low=0, high=1)
            src["targets"] = targets
            self._sources.append(src)
        elif isinstance(pre, (bool, np.bool_)):
            raise ParameterError(f"pre={pre!r}: a boolean is not a node ID; pass the node ID "
                                 "(int), spike times (array of ms) or a NetStim dict")
        elif isinstance(pre, (int, np.integer)):
            pre = as_id(pre, "pre")
            comp = int(self.geometry.node_to_compartment([pre])[0])
            det = {"comp": comp, "threshold": float(threshold), "label": pre, "key": pre,
                   "record": False}
            self._detectors.append(det)
            for k, w, d in targets:
                self._netcons.append({"det_obj": det, "syn": k, "weight": w, "delay": d})
        else:
            times = check_spike_times(pre, "pre (spike times)")
            self._sources.append({"kind": "times", "times": times, "targets": targets})

    # ------------------------------------------------------------------ clearing
    def clear_records(self) -> None:
        """Drop voltage/state/current records and spike detectors' recordings."""
        self._records = []
        self._detectors = [d for d in self._detectors if not d["record"]]

    def clear_stimuli(self) -> None:
        """Drop current pulses and alpha-synapse currents."""
        self._points = []
        self._records = [r for r in self._records if r["kind"] != "i"]

    def clear_synapses(self) -> None:
        """Drop event synapses, their sources and connections."""
        self._synapses = []
        self._sources = []
        self._netcons = []
        self._detectors = [d for d in self._detectors if d["record"]]
        self._records = [r for r in self._records if r["kind"] != "i"]

    def clear(self) -> None:
        """Drop records, stimuli, synapses and results (mechanisms stay)."""
        self._records, self._points, self._synapses = [], [], []
        self._sources, self._detectors, self._netcons = [], [], []
        self.records, self.spikes, self.t = {}, None, None
        self.presynaptic_trains = []

    # ------------------------------------------------------------------ running
    def run_simulation(self, duration: float = 25, v_init: float = -65, dt: float = 0.025,
                       method: str = "be", n_trials: int = 1, seed: int | None = None,
                       celsius: float = 6.3, record_every: int = 1,
                       usetable_hh: bool = False):
        """Run ``duration`` ms from ``v_init`` mV with fixed step ``dt`` ms.

        Parameters
        ----------
        method : {'be', 'cn'}
            Backward Euler (NEURON default) or Crank–Nicolson (NEURON ``secondorder=2``).
        n_trials : int
            Independent trials run in parallel (per-trial random streams); results are
            identical whatever the number of threads.
        seed : int, optional
            Seed for NetStim noise of sources without their own seed.
        celsius : float
            Temperature (°C) for temperature-dependent mechanisms (hh: q10 = 3).
        record_every : int
            Keep every k-th sample of the records.
        usetable_hh : bool
            Use NEURON's hh rate tables (its default, ``h.usetable_hh = 1``: 1 mV grid,
            linear interpolation) instead of exact rates.  Faster, slightly less accurate.

        Sets :attr:`t` (ms), :attr:`records` (dict quantity -> DataFrame indexed by time, or
        by (trial, time) if ``n_trials > 1``), :attr:`spikes` (DataFrame label, node_id, time
        [, trial]) and :attr:`presynaptic_trains`.  Returns ``self``.

        Raises
        ------
        StabilityError
            For dt <= 0, dt > 1 ms or dt > duration.
        SimulationError
            If the voltage becomes NaN/inf or exceeds 1e4 mV (names the time and node ID).
        """
        # duration, dt (StabilityError), v_init, n_trials >= 1 are checked by run_model
        check_number(celsius, "celsius", low=-273.15, unit="°C")
        for name, value in (("n_trials", n_trials), ("record_every", record_every)):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
                raise ParameterError(f"{name}={value!r}: must be an integer >= 1")
        run_model(self, duration, v_init, dt, method, n_trials, seed, celsius, record_every,
                  usetable_hh)
        return self

    def plot_results(self, backend: str = "plotly", show: bool = False, **kwargs):
        """Plot the records (one panel per quantity) and a spike raster.

        Parameters
        ----------
        backend : {'plotly', 'matplotlib'}
            ``'plotly'`` (default) returns a plotly Figure; ``'matplotlib'`` returns the list
            of axes.
        show : bool
            Also display the figure.
        **kwargs
            Passed to :func:`connectome_sim.cable.plot.plot_results` (e.g. ``trial``, an
            index).

        Returns
        -------
        plotly.graph_objects.Figure or list of matplotlib.axes.Axes
            Voltages (mV) and currents (nA) against time (ms), and the spike raster.
        """
        from .plot import plot_results
        return plot_results(self, backend=backend, show=show, **kwargs)

    @property
    def morphology_summary(self) -> str:
        """How the morphology became a cable (soma convention and shape, size, repairs), as
        lines of text; :attr:`CableGeometry.summary <connectome_sim.morphology.CableGeometry.
        summary>`."""
        return self.geometry.summary

    def __repr__(self) -> str:
        g = self.geometry
        return (f"CompartmentModel<{g.morphology.name}: {self.n_sections} sections, "
                f"{self.n_compartments} compartments; soma={g.convention!r} "
                f"({g.soma_kind}); mechanisms={self.mechanisms}; "
                f"records={len(self._records)}; stimuli={len(self._points)}; "
                f"synapses={len(self._synapses)}>")


def _positive(value, what):
    if isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{what} must be a number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a number, got {value!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ParameterError(f"{what} must be positive and finite, got {value}")
    return value



# argument checks of the stimulus and run methods (each names the keyword it concerns)
def _check_netstim(start, number, interval, names=("start", "number", "interval")):
    check_number(start, names[0], low=0, unit="ms")
    check_number(number, names[1], low=0)
    check_number(interval, names[2], low=0, strict=True, unit="ms")


def _check_pre(pre):
    if isinstance(pre, (bool, np.bool_)):
        raise ParameterError(f"pre={pre!r}: a boolean is not a node ID; give a node ID, spike "
                             "times (ms) or a NetStim dict")
    if isinstance(pre, (dict, int, np.integer)):
        return pre
    if isinstance(pre, (float, np.floating)):
        raise ParameterError(f"pre={pre!r}: a single float is neither a node ID (integer) nor "
                             "a list of spike times; pass [t] for one spike at t ms")
    return check_spike_times(pre, "pre (spike times)")

