"""Description of the cable neurons of a multi-scale :class:`~connectome_sim.network.PointNetwork`.

A cable neuron is a row of the point network (it has an ID, edges, a place in the spike table)
whose dynamics are a :class:`~connectome_sim.cable.model.CompartmentModel` instead of a point
model.  :class:`CableNeuron` is the marker "model" of those rows (kind ``'cable'``: the point
engine never steps them), :class:`CableSpec` holds what :meth:`CableMixin.add_cable_neuron`
was given, validated where it was given.  Units: ms, mV, µS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ParameterError, UnknownIDError, check_number
from ..ids import as_id, as_ids
from ..network.models.base import PointModel

__all__ = ["CableNeuron", "CableSpec", "CableMixin", "KINETIC_KEYS", "spike_node_default",
           "py_id", "py_ids"]

#: keys of a kinetics entry: Exp2Syn rise and decay (ms), reversal (mV), peak conductance (µS)
KINETIC_KEYS = ("tau1", "tau2", "e", "weight")
#: label values taken for an axon initial segment (compared case-insensitively)
AIS_LABELS = ("ais", "axon_initial_segment", "axon initial segment", "axon_initial",
              "axoninitialsegment")
#: connector types that mark postsynaptic sites (neuPrint/FlyWire 'post', CATMAID 1)
POST_TYPES = ("post", "postsynaptic", "in", "input", "1")
#: connector columns that name the partner neuron (first found is used)
PARTNER_COLUMNS = ("partner_id", "partner", "pre_id", "bodyId_pre", "pre_root_id",
                   "pre_pt_root_id", "presynaptic_id")


class CableNeuron(PointModel):
    """Marker of the network rows that run as cable models (see :mod:`connectome_sim.multiscale`).

    Not a point model: the point engine hands these rows to the cable engine.  Edge weights
    onto them count synapses (``weight_unit = 'synapses'``).
    """

    name = "cable"
    kind = "cable"
    output = "spike"
    params: dict = {}
    states: dict = {}
    voltage = "v"
    weight_unit = "synapses"
    supports_current = False
    default_delay = 1.0
    doc_reference = "Hines and Carnevale 1997 (NEURON's fixed-step cable method)"


@dataclass
class CableSpec:
    """One cable neuron of a network, as :meth:`CableMixin.add_cable_neuron` was given it.

    Attributes
    ----------
    neuron_id : int or str
    model : CompartmentModel
    synapses : pandas.DataFrame or None
        Columns ``pre`` (IDs), ``node_id`` and the optional ``weight`` (µS), ``tau1``,
        ``tau2`` (ms), ``e`` (mV); validated.
    tau1, tau2, e, e_inh, weight : float
        Default Exp2Syn kinetics (ms, ms, mV for excitatory and inhibitory edges) and peak
        conductance per synapse (µS).
    kinetics : dict
        Presynaptic label (or ``'excitatory'``/``'inhibitory'``) -> overrides of
        :data:`KINETIC_KEYS`.
    spike_node : int or str
        Node of the spike detector.
    threshold : float
        Detection threshold (mV).
    sites : numpy.ndarray or None
        Node IDs that hold synapses of partners without a known site (``None``: the default
        fallback, see :mod:`connectome_sim.multiscale.sites`).
    partner_col : str or None
        Column of the connector table naming the partner neuron.
    v_init : float
        Initial membrane potential (mV).
    """

    neuron_id: object
    model: object
    synapses: pd.DataFrame | None
    tau1: float
    tau2: float
    e: float
    e_inh: float
    weight: float
    kinetics: dict
    spike_node: object
    threshold: float
    sites: np.ndarray | None
    partner_col: str | None
    v_init: float
    notes: list = field(default_factory=list)


# ----------------------------------------------------------------------------- validation
def py_id(value):
    """An ID as a Python int or str (messages show ``5``, not ``np.int64(5)``)."""
    return value.item() if isinstance(value, np.generic) else value


def py_ids(values) -> list:
    """IDs as a list of Python ints or strs (for messages)."""
    return [py_id(v) for v in np.asarray(values, dtype=object).ravel()]


def spike_node_default(model):
    """``(node ID, where)`` of the default spike detector: the most proximal node labelled as
    axon initial segment (any label column, :data:`AIS_LABELS`), else the soma node, else the
    root."""
    g = model.geometry
    nt = g.node_table
    for col in g.label_columns():
        vals = nt[col].astype(str).str.strip().str.lower()
        hit = vals.isin(AIS_LABELS).to_numpy()
        if hit.any():
            comps = nt["compartment"].to_numpy()[hit]
            return nt.index[np.flatnonzero(hit)[int(np.argmin(comps))]], "axon initial segment"
    morph = g.morphology
    if morph.soma is not None:
        return morph.soma, "soma"
    return morph.root, "root (no soma or axon initial segment labelled)"


def _node(model, value, what):
    """A node ID of ``model`` (IDError / UnknownIDError naming ``what``)."""
    nid = as_id(value, what)
    model.geometry._lookup(as_ids([nid], what), what=what)
    return nid


def _check_kinetics(kinetics, what="kinetics"):
    if kinetics is None:
        return {}
    if not isinstance(kinetics, dict):
        raise ParameterError(f"{what}: expected a dict {{presynaptic label: {{'tau1', 'tau2', "
                             f"'e', 'weight'}}}}, got {type(kinetics).__name__}")
    out = {}
    for key, entry in kinetics.items():
        if not isinstance(key, str):
            raise ParameterError(f"{what}: keys are presynaptic labels (str) or 'excitatory'/"
                                 f"'inhibitory', got {key!r}")
        if not isinstance(entry, dict):
            raise ParameterError(f"{what}[{key!r}]: expected a dict of {list(KINETIC_KEYS)}, "
                                 f"got {type(entry).__name__}")
        bad = sorted(set(entry) - set(KINETIC_KEYS))
        if bad:
            raise ParameterError(f"{what}[{key!r}]: unknown key(s) {bad}; valid: "
                                 f"{list(KINETIC_KEYS)} (ms, ms, mV, µS)")
        clean = {}
        for k, v in entry.items():
            if k in ("tau1", "tau2"):
                clean[k] = check_number(v, f"{what}[{key!r}][{k!r}]", low=0, strict=True,
                                        unit="ms")
            elif k == "e":
                clean[k] = check_number(v, f"{what}[{key!r}]['e']", unit="mV")
            else:
                clean[k] = check_number(v, f"{what}[{key!r}]['weight']", low=0, unit="µS")
        out[key] = clean
    return out


def _label_nodes(model, labels, what):
    """Node IDs carrying any of the label values ``labels`` (across label columns)."""
    nt = model.geometry.node_table
    want = {str(v).strip().lower() for v in labels}
    hit = np.zeros(len(nt), bool)
    for col in model.geometry.label_columns():
        hit |= nt[col].astype(str).str.strip().str.lower().isin(want).to_numpy()
    if not hit.any():
        raise UnknownIDError(f"{what}: no node of the skeleton carries the label(s) "
                             f"{sorted(want)}; label columns: "
                             f"{model.geometry.label_columns()}")
    return nt.index.to_numpy()[hit]


def _check_sites(model, sites):
    if sites is None:
        return None
    if isinstance(sites, str):
        return _label_nodes(model, [sites], "sites")
    vals = list(np.atleast_1d(np.asarray(sites, dtype=object)))
    if not vals:
        raise ParameterError("sites: empty; give node IDs or label names (or None for the "
                             "default fallback)")
    if all(isinstance(v, str) for v in vals) and model.geometry.morphology.node_ids.dtype != object:
        return _label_nodes(model, vals, "sites")
    ids = as_ids(sites if not isinstance(sites, set) else list(sites), "sites")
    model.geometry._lookup(ids, what="sites")
    return ids


def _check_partner_col(model, partner_col):
    ct = model.geometry.connector_table
    if partner_col is False:
        return None
    if partner_col is None:
        return next((c for c in PARTNER_COLUMNS if c in ct.columns), None)
    if not isinstance(partner_col, str) or partner_col not in ct.columns:
        raise ParameterError(f"partner_col={partner_col!r}: not a column of the skeleton's "
                             f"connector table (columns {list(ct.columns)}); None detects one "
                             f"of {list(PARTNER_COLUMNS)}, False ignores partners")
    return partner_col


#: the columns of a ``synapses`` table this package reads
SYNAPSE_COLUMNS = ("pre", "node_id", "weight", "tau1", "tau2", "e")


def _refuse_lookalike_columns(columns):
    """A column that looks like one of :data:`SYNAPSE_COLUMNS` but is not spelt so
    ('Weight', 'tau_1', 'wieght') would be ignored: refuse it.  Other columns (x, y, z,
    confidence, roi, ... of neuPrint/FlyWire synapse tables) are left alone; a ``delay``
    column too is refused, since delays are the network edges'."""
    import difflib

    for c in columns:
        if not isinstance(c, str) or c in SYNAPSE_COLUMNS:
            continue
        norm = "".join(ch for ch in c.lower() if ch.isalnum())
        if norm in ("delay", "delays", "delayms"):
            raise ParameterError(f"synapses[{c!r}]: per-synapse delays are not read; each "
                                 "synapse takes the delay of its network edge "
                                 "(connect(pre, neuron_id, weight, delay=...))")
        near = [k for k in SYNAPSE_COLUMNS if norm == k.replace("_", "")] or \
            (difflib.get_close_matches(norm, [k for k in SYNAPSE_COLUMNS if len(k) > 2],
                                       n=1, cutoff=0.8) if len(norm) > 3 else [])
        if near:
            raise ParameterError(f"synapses: column {c!r} would be ignored; did you mean "
                                 f"{near[0]!r}? (columns read: {list(SYNAPSE_COLUMNS)})")


def check_synapse_table(net, model, table, neuron_id):
    """The ``synapses`` table, validated (columns, pre IDs in the network, node IDs in the
    skeleton, kinetics columns); returns a copy with ``pre`` in the network's ID dtype."""
    if table is None:
        return None
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"synapses: expected a pandas DataFrame with columns 'pre' and "
                             f"'node_id', got {type(table).__name__}")
    missing = [c for c in ("pre", "node_id") if c not in table.columns]
    if missing:
        raise ParameterError(f"synapses: missing column(s) {missing} (one row per synapse: "
                             f"'pre' = presynaptic neuron ID, 'node_id' = node of "
                             f"{neuron_id!r}); columns are {list(table.columns)}")
    _refuse_lookalike_columns(table.columns)
    out = pd.DataFrame(index=table.index)
    rows = net._rows(table["pre"], "synapses['pre']")
    out["pre"] = net.ids[rows]
    out["pre_row"] = rows
    nodes = as_ids(table["node_id"], "synapses['node_id']")
    model.geometry._lookup(nodes, what="synapses['node_id']")
    out["node_id"] = nodes
    for col, unit, low, strict in (("weight", "µS", 0.0, False), ("tau1", "ms", 0.0, True),
                                   ("tau2", "ms", 0.0, True), ("e", "mV", None, False)):
        if col not in table.columns:
            continue
        try:
            v = table[col].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise ParameterError(f"synapses['{col}']: expected numbers ({unit})") from None
        bad = ~np.isfinite(v)
        if low is not None:
            bad |= (v <= low) if strict else (v < low)
        if bad.any():
            rule = "finite" if low is None else f"{'>' if strict else '>='} {low:g} {unit}"
            raise ParameterError(f"synapses['{col}'] must be {rule}; rows "
                                 f"{list(table.index[bad][:10])} have "
                                 f"{v[bad][:5].tolist()}")
        out[col] = v
    if neuron_id is not None and (out["pre_row"] == net._rows([neuron_id], "neuron_id")[0]).any():
        raise ParameterError(f"synapses: rows with pre == {neuron_id!r} (the neuron itself); "
                             "an autapse needs a network edge neuron -> neuron and a "
                             "presynaptic site, which this table cannot give")
    return out


# ----------------------------------------------------------------------------- the mixin
class CableMixin:
    """Cable neurons inside a :class:`~connectome_sim.network.PointNetwork` (state declared in
    ``PointNetwork.__init__``: ``_cable`` maps network rows to :class:`CableSpec`,
    ``_cable_opts`` holds :meth:`set_cable_options`)."""

    def add_cable_neuron(self, neuron_id, model, synapses=None, tau1=0.5, tau2=5.0, e=0.0,
                         weight=0.0005, spike_node=None, threshold=0.0, *, e_inh=-80.0,
                         kinetics=None, sites=None, partner_col=None, v_init=-65.0):
        """Run neuron ``neuron_id`` as the cable model ``model`` inside this network.

        The neuron (added if absent) keeps its ID, its edges and its place in the spike
        table; its dynamics become those of the :class:`~connectome_sim.cable.model.
        CompartmentModel` (its mechanisms, records, stimuli and spike detectors included),
        solved by the cable engine in the network's time loop with the network's ``dt``.

        Parameters
        ----------
        neuron_id : int or str
            Neuron ID (exact; see :mod:`connectome_sim.ids`).
        model : CompartmentModel
            The neuron's cable model (one model per cable neuron).  Its records, spikes and
            ``t`` are filled by :meth:`run_simulation` as if it had been run alone.
        synapses : pandas.DataFrame, optional
            One row per synapse (as neuPrint/FlyWire synapse tables give): ``pre``
            (presynaptic neuron ID) and ``node_id`` (a node of this skeleton), optional
            ``weight`` (µS), ``tau1``, ``tau2`` (ms), ``e`` (mV).  Each row is an Exp2Syn driven
            by ``pre``'s spikes with the delay of the network edge ``pre -> neuron_id``, which
            must exist (its weight then only gives the sign).  Edges from neurons without
            rows are placed as described in Notes.  Other columns (positions, confidences,
            ROIs) are ignored, except lookalikes of these names ('Weight', 'tau_1') and a
            ``delay`` column, which are refused.
        tau1, tau2 : float
            Exp2Syn rise and decay time constants (ms) of the synapses (NEURON's Exp2Syn;
            defaults as the AMPA preset of HNN-core, Jas et al. 2023).
        e : float
            Reversal potential (mV) of excitatory synapses (edges of positive weight).
        weight : float
            Peak conductance of one synapse (µS; 0.0005 µS = 0.5 nS).
        spike_node : int or str, optional
            Node of the spike detector whose spikes reach the neuron's targets; default the
            axon initial segment if a label column marks one (``'ais'``,
            ``'axon_initial_segment'``), else the soma, else the root.
        threshold : float
            Detection threshold (mV): a spike when v at ``spike_node`` crosses it upwards
            (NEURON NetCon semantics).
        e_inh : float
            Reversal potential (mV) of synapses of edges with negative weight (inhibitory
            transmitters; GABA-A preset: -80 mV).
        kinetics : dict, optional
            Per presynaptic type: ``{label: {'tau1': ms, 'tau2': ms, 'e': mV, 'weight': µS}}``
            (any subset), where ``label`` is a presynaptic neuron's label
            (:attr:`labels`, e.g. a cell type); the keys ``'excitatory'`` and
            ``'inhibitory'`` override the defaults by edge sign.  A label entry wins over a
            sign entry, a column of ``synapses`` over both.
        sites : node IDs or label name(s), optional
            Where synapses of partners without known sites go (see Notes); default:
            the skeleton's postsynaptic connectors, else its dendrite.
        partner_col : str or False, optional
            Column of the skeleton's connector table naming each connector's partner neuron
            (default: the first of ``partner_id``, ``partner``, ``pre_id``, ``bodyId_pre``,
            ``pre_root_id``...; ``False``: ignore partners).
        v_init : float
            Initial membrane potential (mV) unless ``run_simulation(v_init=...)`` sets one.

        Returns
        -------
        PointNetwork
            ``self``.

        Notes
        -----
        Edges onto a cable neuron count synapses: an edge ``pre -> neuron_id`` of weight
        ``n`` (an edge list's synapse count, or ``connect(pre, neuron_id, n, delay)``) makes
        ``|n|`` Exp2Syns of peak conductance ``weight`` µS, excitatory for ``n > 0``
        (reversal ``e``), inhibitory for ``n < 0`` (``e_inh``), each driven by ``pre``'s spikes
        after the edge's delay.  Sites, first rule that applies: the ``synapses`` rows of
        ``pre``; the connectors of the skeleton whose partner is ``pre`` (spread evenly over
        them, several synapses per connector if ``n`` exceeds them); otherwise the fallback
        pool (``sites``, else the postsynaptic connectors, else nodes labelled
        ``'dendrite'``, else every node but the soma), shuffled once per neuron by a
        generator keyed by its ID, of which the partners, in ID order, take consecutive
        runs.  :meth:`cable_synapses` lists the result with the rule used.

        Spikes leave through the detector at ``spike_node`` and reach point targets with
        the edge's delay and weight in the target model's weight unit, exactly as a point
        neuron's spikes (edge lists: synapse counts times the target's scale, see
        :func:`~connectome_sim.network.network.pair_scale`).  Between two cable neurons, an
        edge makes Exp2Syns on the target driven by the source's detector (NEURON NetCon).
        """
        from ..cable.model import CompartmentModel

        if not isinstance(model, CompartmentModel):
            raise ParameterError(f"add_cable_neuron(model): expected a CompartmentModel, got "
                                 f"{type(model).__name__}; build one with "
                                 "connectome_sim.CompartmentModel(skeleton)")
        nid = as_id(neuron_id, "add_cable_neuron(neuron_id)")
        for row, sp in self._cable.items():
            if sp.model is model and self._models[self._model_of[row]] is CableNeuron:
                raise ParameterError(f"add_cable_neuron(model): this CompartmentModel already "
                                     f"runs neuron {sp.neuron_id!r}; give each cable neuron "
                                     "its own model (its records are the neuron's)")
        tau1 = check_number(tau1, "tau1", low=0, strict=True, unit="ms")
        tau2 = check_number(tau2, "tau2", low=0, strict=True, unit="ms")
        e = check_number(e, "e", unit="mV")
        e_inh = check_number(e_inh, "e_inh", unit="mV")
        weight = check_number(weight, "weight", low=0, unit="µS")
        threshold = check_number(threshold, "threshold", unit="mV")
        v_init = check_number(v_init, "v_init", unit="mV")
        kin = _check_kinetics(kinetics)
        if spike_node is None:
            snode, where = spike_node_default(model)
            notes = [f"spike detector at node {snode} ({where})"]
        else:
            snode = _node(model, spike_node, "spike_node")
            notes = [f"spike detector at node {snode} (spike_node)"]
        site_ids = _check_sites(model, sites)
        pcol = _check_partner_col(model, partner_col)
        exists = nid in self
        if exists:
            row = int(self._rows([nid], "add_cable_neuron(neuron_id)")[0])
            if row in self._cable and self._models[self._model_of[row]] is CableNeuron:
                raise ParameterError(f"add_cable_neuron: neuron {nid!r} is a cable neuron "
                                     "already")
            self._refuse_point_inputs(row, nid)
        table = None
        if synapses is not None:
            if not self.n_neurons:
                raise UnknownIDError("synapses['pre']: the network has no neurons yet; add the "
                                     "presynaptic neurons first")
            table = check_synapse_table(self, model, synapses, nid if exists else None)
        if not exists:
            self.add_neurons([nid])
            row = self.n_neurons - 1
        code = self._model_code(CableNeuron)
        self._model_of[row] = code
        self._cable[row] = CableSpec(
            neuron_id=py_id(self.ids[row]), model=model, synapses=table, tau1=tau1, tau2=tau2,
            e=e, e_inh=e_inh, weight=weight, kinetics=kin, spike_node=snode,
            threshold=threshold, sites=site_ids, partner_col=pcol, v_init=v_init, notes=notes)
        self._changed()
        return self

    def _refuse_point_inputs(self, row, nid):
        """An existing neuron becoming a cable neuron must not carry point-model inputs."""
        for c in self._e:
            src, tgt, w, d, unit = c
            hit = tgt == row
            if hit.any() and any(self._models[u].weight_unit != CableNeuron.weight_unit
                                 for u in np.unique(unit[hit])):
                u = self._models[np.unique(unit[hit])[0]]
                raise ParameterError(
                    f"add_cable_neuron: neuron {nid!r} has synapses made with connect() in "
                    f"{u.name}'s weight unit ({u.weight_unit or 'dimensionless'}); edges onto a "
                    "cable neuron count synapses. Call add_cable_neuron first, then connect")
        for st in self._stimuli:
            if np.isin(row, st.neurons):
                raise ParameterError(
                    f"add_cable_neuron: neuron {nid!r} has a stimulus "
                    f"({getattr(st, 'kind', 'stimulus')}); drive a cable neuron through its "
                    "CompartmentModel (add_synaptic_input, inject_current_pulse) or through "
                    "presynaptic neurons")
        for cur in self._currents:
            if np.isin(row, cur.neurons):
                raise ParameterError(
                    f"add_cable_neuron: neuron {nid!r} has an injected current (add_current); "
                    "inject it into the CompartmentModel instead (inject_current_pulse)")
        for a, b, _v, _c in self._g:
            if np.isin(row, a).any() or np.isin(row, b).any():
                raise ParameterError(
                    f"add_cable_neuron: neuron {nid!r} has gap junctions; electrical synapses "
                    "onto cable neurons are not supported (use a Circuit's add_gap_junction)")

    def _check_cable_counts(self, src, tgt, w):
        """connect() onto cable neurons: weights count synapses (whole numbers)."""
        onto = np.array([m is CableNeuron for m in self._models])[self._model_of[tgt]]
        frac = onto & (np.abs(w - np.rint(w)) > 1e-9)
        if frac.any():
            k = int(np.flatnonzero(frac)[0])
            raise ParameterError(
                f"connect(weight): {w[k]:g} onto cable neuron {py_id(self.ids[tgt[k]])!r} (from "
                f"{py_id(self.ids[src[k]])!r}); edges onto a cable neuron count synapses: give a whole "
                "number (negative: inhibitory synapses)")

    # ---------------------------------------------------------------- views
    def _cable_rows(self) -> list:
        """Network rows of the cable neurons, in row order (specs whose row still runs the
        cable model)."""
        return [r for r in sorted(self._cable) if self._models[self._model_of[r]] is CableNeuron]

    @property
    def cable_ids(self) -> np.ndarray:
        """IDs of the neurons run as cable models."""
        return self.ids[np.asarray(self._cable_rows(), np.int64)]

    @property
    def cable_models(self) -> dict:
        """Neuron ID -> its CompartmentModel."""
        return {self._cable[r].neuron_id: self._cable[r].model for r in self._cable_rows()}

    def cable_synapses(self, neuron_id=None) -> pd.DataFrame:
        """The synapses onto cable neurons as the next run places them.

        Parameters
        ----------
        neuron_id : int or str, optional
            One cable neuron (default: all).

        Returns
        -------
        pandas.DataFrame
            One row per Exp2Syn in the engine's order: ``post`` (cable neuron ID), ``pre``
            (ID), ``node_id``, ``weight`` (µS), ``tau1``, ``tau2`` (ms), ``e`` (mV), ``delay``
            (ms), ``sign`` and ``site`` (the rule that placed it: ``'table'``,
            ``'partner connector'``, ``'fallback: <pool>'``).
        """
        from .sites import place_all

        tab = place_all(self)
        if neuron_id is None:
            return tab
        row = int(self._rows([neuron_id], "cable_synapses(neuron_id)")[0])
        if row not in self._cable_rows():
            raise UnknownIDError(f"cable_synapses(neuron_id): {py_id(self.ids[row])!r} is not a "
                                 f"cable neuron; cable neurons: {py_ids(self.cable_ids[:20])}")
        return tab[tab["post_row"] == row].reset_index(drop=True)

    def set_cable_options(self, *, celsius=None, method=None, record_every=None, parallel=None):
        """Settings of the cable engine for the cable neurons of this network.

        Parameters
        ----------
        celsius : float, optional
            Temperature (°C) for temperature-dependent mechanisms (default 6.3, NEURON's).
        method : {'be', 'cn'}, optional
            Backward Euler (default, NEURON's) or Crank-Nicolson.
        record_every : int, optional
            Keep every k-th sample of the cable models' records (default 1).  Network records
            (``add_voltage_record``) of cable neurons are NaN between kept samples.
        parallel : bool, optional
            Solve the cable cells of a trial on all numba threads inside each step (default
            False: pays off only for large cells on idle cores).

        Returns
        -------
        PointNetwork
            ``self``.
        """
        opts = self._cable_opts
        if celsius is not None:
            opts["celsius"] = check_number(celsius, "celsius", low=-273.15, unit="°C")
        if method is not None:
            if method not in ("be", "cn"):
                raise ParameterError(f"method={method!r}: use 'be' (backward Euler) or 'cn' "
                                     "(Crank-Nicolson)")
            opts["method"] = method
        if record_every is not None:
            if isinstance(record_every, (bool, np.bool_)) or not isinstance(
                    record_every, (int, np.integer)) or record_every < 1:
                raise ParameterError(f"record_every={record_every!r}: must be an integer >= 1")
            opts["record_every"] = int(record_every)
        if parallel is not None:
            if not isinstance(parallel, (bool, np.bool_)):
                raise ParameterError(f"parallel={parallel!r}: must be True or False")
            opts["parallel"] = bool(parallel)
        return self


def default_options() -> dict:
    """Cable-engine settings of a new network (see :meth:`CableMixin.set_cable_options`)."""
    return {"celsius": 6.3, "method": "be", "record_every": 1, "parallel": False}
