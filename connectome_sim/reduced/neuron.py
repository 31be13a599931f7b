"""Reduced dendritic neurons with Dendrify semantics (Pagkalos, Chavlis & Poirazi 2023,
Nat Commun 14:131), in our own API and NEURON units.

A :class:`ReducedNeuron` is a handful of isopotential compartments: a somatic leaky
integrate-and-fire compartment and passive dendrites, joined by coupling conductances, with
optional event-driven dendritic spikes ("dSpikes") and a two-step somatic reset that gives a
realistic AP which back-propagates.

Units: length/diameter µm, area µm², cm µF/cm², gl S/cm², v_rest mV, r_axial Ω·cm,
conductances µS, capacitance pF, currents nA, times ms.  (Dendrify's ``40*uS/cm**2`` is
``gl=4e-5``; ``15*nS`` is ``0.015``; ``115*pA`` is ``0.115``.)

Semantics (as Dendrify 2.x generates them for Brian2):

* area = π·length·diameter × scale_factor (soma) or × scale_factor × spine_factor
  (dendrites); C = cm·area, g_L = gl·area.
* ``C dV/dt = g_L (EL - V) + Σ g_couple (V_other - V) + I_rise + I_fall + I_syn + I_ext``.
* dSpike: when ``V >= threshold`` and the dSpike refractory period has passed, a rectangular
  conductance ``g_rise`` (reversal ``E_rise``) switches on for ``duration_rise``, and ``g_fall``
  (reversal ``E_fall``) for ``duration_fall`` starting ``offset_fall`` after onset.
* Soma: ``V > threshold`` (not refractory) -> spike, ``V <- reset``; with ``second_reset`` and
  ``spike_width``, ``V <- second_reset`` ``spike_width`` later.  V keeps integrating during
  the refractory period (Brian2 without ``unless refractory``); only the threshold is blocked.
* Integration: forward Euler (``method='euler'``, Dendrify's usual choice) or backward Euler
  (``method='implicit'``, unconditionally stable; used by :func:`~connectome_sim.reduced.reduce`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ParameterError, StabilityError, UnknownIDError
from . import kernel

__all__ = ["ReducedNeuron", "ReducedResult"]


@dataclass
class _Comp:
    name: str
    kind: str                     # 'soma' or 'dendrite'
    length: float | None
    diameter: float | None
    area_abs: float | None        # µm², overrides length x diameter (no factors applied)
    cm: float | None
    gl: float | None
    v_rest: float | None
    dspike: tuple | None = None   # (g_rise µS, g_fall µS)


@dataclass
class ReducedResult:
    """Output of :meth:`ReducedNeuron.simulate`.

    Attributes
    ----------
    v : pandas.DataFrame
        Voltages (mV), index = time (ms, start of each step), one column per compartment.
    spikes : numpy.ndarray
        Somatic spike times (ms; the time of the step whose update crossed threshold, as Brian2
        reports them).
    dspikes : pandas.DataFrame
        dSpike onsets, columns ``compartment`` and ``time`` (ms).
    """

    v: pd.DataFrame
    spikes: np.ndarray
    dspikes: pd.DataFrame

    def dspike_counts(self) -> pd.Series:
        """Number of dSpikes per compartment."""
        return self.dspikes.groupby("compartment").size().reindex(self.v.columns, fill_value=0)


class ReducedNeuron:
    """A few-compartment neuron with Dendrify semantics (see module docstring).

    Parameters
    ----------
    cm : float
        Specific capacitance (µF/cm²) for compartments that do not set their own.
    gl : float
        Specific leak conductance (S/cm²).
    v_rest : float
        Leak reversal and initial voltage (mV).
    r_axial : float
        Axial resistivity (Ω·cm), used by ``connect(..., g='half_cylinders' | 'cylinder_X')``.
    scale_factor, spine_factor : float
        Area multipliers (Dendrify): scale for all compartments, spine for dendrites only.

    Examples
    --------
    The seed 000 neuron (Dendrify's back-propagation example) is
    :func:`connectome_sim.reduced.examples.bap_neuron`.
    """

    def __init__(self, cm=1.0, gl=4e-5, v_rest=-65.0, r_axial=150.0, scale_factor=1.0,
                 spine_factor=1.0):
        self.cm, self.gl, self.v_rest, self.r_axial = float(cm), float(gl), float(v_rest), float(r_axial)
        self.scale_factor, self.spine_factor = float(scale_factor), float(spine_factor)
        self._comps: dict[str, _Comp] = {}
        self._links: list[tuple[str, str, object]] = []
        self.dspike_config = dict(threshold=-35.0, duration_rise=1.2, duration_fall=2.4,
                                  offset_fall=0.2, refractory=5.0, E_rise=70.0, E_fall=-89.0)
        self.soma_config = dict(threshold=-40.0, reset=-65.0, second_reset=None,
                                spike_width=None, refractory=4.0)
        self.synapse_config = dict(tau_e=2.0, tau_i=6.0, E_e=0.0, E_i=-80.0, cond_syn=1.0)

    # ------------------------------------------------------------------ building
    def _add(self, name, kind, length, diameter, area, cm, gl, v_rest):
        if name in self._comps:
            raise ParameterError(f"compartment {name!r} already exists")
        if area is None and (length is None or diameter is None):
            raise ParameterError(f"compartment {name!r}: give length and diameter (µm) or area (µm²)")
        for what, val in (("length", length), ("diameter", diameter), ("area", area)):
            if val is not None and not (np.isfinite(val) and val > 0):
                raise ParameterError(f"compartment {name!r}: {what} must be > 0, got {val}")
        if kind == "soma" and any(c.kind == "soma" for c in self._comps.values()):
            raise ParameterError("a ReducedNeuron has one soma")
        self._comps[name] = _Comp(name, kind, length, diameter, area, cm, gl, v_rest)
        if kind == "soma":     # the soma is compartment 0 (it receives PointNetwork currents)
            self._comps = {name: self._comps[name], **{k: v for k, v in self._comps.items() if k != name}}
        return self

    def add_soma(self, name="soma", length=None, diameter=None, area=None, cm=None, gl=None,
                 v_rest=None):
        """Add the somatic (leaky integrate-and-fire) compartment (µm, µm², µF/cm², S/cm², mV)."""
        return self._add(name, "soma", length, diameter, area, cm, gl, v_rest)

    def add_dendrite(self, name, length=None, diameter=None, area=None, cm=None, gl=None,
                     v_rest=None):
        """Add a passive dendritic compartment (µm, µm², µF/cm², S/cm², mV)."""
        return self._add(name, "dendrite", length, diameter, area, cm, gl, v_rest)

    def _comp(self, name) -> _Comp:
        try:
            return self._comps[name]
        except KeyError:
            raise UnknownIDError(f"no compartment {name!r}; compartments: {list(self._comps)}") from None

    def connect(self, a, b, g="half_cylinders"):
        """Couple compartments ``a`` and ``b``.

        Parameters
        ----------
        a, b : str
            Names of two different compartments of this neuron.
        g : float or str
            Coupling conductance (µS, > 0), ``'half_cylinders'``
            (1 / (ri_a/2 + ri_b/2), ri = 4 Ra L / (π d²)) or ``'cylinder_<name>'``
            (1 / ri of compartment a or b), as in Dendrify.

        Returns
        -------
        ReducedNeuron
            ``self``, for chaining.
        """
        self._comp(a), self._comp(b)
        if a == b:
            raise ParameterError(f"cannot couple compartment {a!r} to itself")
        if isinstance(g, str):
            if g != "half_cylinders" and not (g.startswith("cylinder_") and g[9:] in (a, b)):
                raise ParameterError(f"g must be a conductance (µS), 'half_cylinders' or "
                                     f"'cylinder_{a}'/'cylinder_{b}', got {g!r}")
        elif not (np.isfinite(g) and g > 0):
            raise ParameterError(f"coupling {a}-{b}: g must be > 0 µS, got {g}")
        self._links.append((a, b, g))
        return self

    def dspikes(self, name, g_rise, g_fall):
        """Give compartment ``name`` dSpikes with rise/fall conductances (µS)."""
        self._comp(name).dspike = (float(g_rise), float(g_fall))
        return self

    def config_dspikes(self, threshold=-35.0, duration_rise=1.2, duration_fall=2.4,
                       offset_fall=0.2, refractory=5.0, E_rise=70.0, E_fall=-89.0):
        """dSpike kinetics shared by all compartments (mV, ms; Dendrify's defaults for E_Na/E_K)."""
        self.dspike_config = dict(threshold=threshold, duration_rise=duration_rise,
                                  duration_fall=duration_fall, offset_fall=offset_fall,
                                  refractory=refractory, E_rise=E_rise, E_fall=E_fall)
        return self

    def set_spiking(self, threshold=-40.0, reset=-65.0, second_reset=None, spike_width=None,
                    refractory=4.0):
        """Somatic I&F: threshold, reset, optional second_reset after spike_width (mV, ms)."""
        if (second_reset is None) != (spike_width is None):
            raise ParameterError("give both second_reset and spike_width for a realistic AP, or neither")
        self.soma_config = dict(threshold=threshold, reset=reset, second_reset=second_reset,
                                spike_width=spike_width, refractory=refractory)
        return self

    def set_synapses(self, tau_e=2.0, tau_i=6.0, E_e=0.0, E_i=-80.0, conductance=True):
        """Exponential synapses of every compartment (ms, mV); weights µS (or nA if not conductance)."""
        self.synapse_config = dict(tau_e=tau_e, tau_i=tau_i, E_e=E_e, E_i=E_i,
                                   cond_syn=1.0 if conductance else 0.0)
        return self

    # ------------------------------------------------------------------ derived values
    @property
    def compartments(self) -> list[str]:
        return list(self._comps)

    def _area(self, c: _Comp) -> float:
        if c.area_abs is not None:
            return float(c.area_abs)
        f = self.scale_factor * (self.spine_factor if c.kind == "dendrite" else 1.0)
        return math.pi * c.length * c.diameter * f

    def _ri(self, c: _Comp) -> float:
        """Axial resistance of the compartment's cylinder, MΩ."""
        if c.length is None or c.diameter is None:
            raise ParameterError(f"compartment {c.name!r} has no length/diameter: give the "
                                 "coupling conductance explicitly")
        return 4.0 * self.r_axial * (c.length * 1e-4) / (math.pi * (c.diameter * 1e-4) ** 2) * 1e-6

    def _g_link(self, a, b, g) -> float:
        if not isinstance(g, str):
            return float(g)
        if g == "half_cylinders":
            return 1.0 / (0.5 * self._ri(self._comps[a]) + 0.5 * self._ri(self._comps[b]))
        return 1.0 / self._ri(self._comps[g[9:]])

    @property
    def properties(self) -> pd.DataFrame:
        """Per compartment: area (µm²), C (pF), gL (µS), EL (mV), dSpike conductances (µS)."""
        rows = {}
        for c in self._comps.values():
            A = self._area(c)
            cm = self.cm if c.cm is None else c.cm
            gl = self.gl if c.gl is None else c.gl
            rows[c.name] = dict(kind=c.kind, area=A, C=cm * A * 1e-2, gL=gl * A * 1e-2,
                                EL=self.v_rest if c.v_rest is None else c.v_rest,
                                g_rise=c.dspike[0] if c.dspike else 0.0,
                                g_fall=c.dspike[1] if c.dspike else 0.0)
        return pd.DataFrame.from_dict(rows, orient="index")

    @property
    def couplings(self) -> pd.DataFrame:
        """Coupling conductances (µS) between compartments."""
        return pd.DataFrame([(a, b, self._g_link(a, b, g)) for a, b, g in self._links],
                            columns=["a", "b", "g"])

    def _check(self):
        if not self._comps:
            raise ParameterError("the ReducedNeuron has no compartments")
        if not any(c.kind == "soma" for c in self._comps.values()):
            raise ParameterError("the ReducedNeuron needs a soma (add_soma)")
        import networkx as nx
        G = nx.Graph()
        G.add_nodes_from(self._comps)
        G.add_edges_from((a, b) for a, b, _ in self._links)
        if not nx.is_connected(G):
            parts = [sorted(p) for p in nx.connected_components(G)]
            raise ParameterError(f"compartments are not all connected: {parts}; add connect() calls")

    # ------------------------------------------------------------------ parameter vectors
    def param_dict(self, method="euler") -> dict:
        """Flat ``{name: value}`` in the kernel's row order (see :mod:`.kernel`)."""
        self._check()
        if method not in ("euler", "implicit"):
            raise ParameterError(f"method must be 'euler' or 'implicit', got {method!r}")
        sc, dc, sy = self.soma_config, self.dspike_config, self.synapse_config
        has2 = sc["second_reset"] is not None
        d = {"K": len(self._comps), "M": len(self._links),
             "method": 0.0 if method == "euler" else 1.0,
             "V_th": sc["threshold"], "V_reset": sc["reset"],
             "second_reset": sc["second_reset"] if has2 else sc["reset"],
             "spike_width": sc["spike_width"] if has2 else 0.0,
             "refractory": sc["refractory"], "has_second_reset": 1.0 if has2 else 0.0,
             "tau_e": sy["tau_e"], "tau_i": sy["tau_i"], "E_e": sy["E_e"], "E_i": sy["E_i"],
             "cond_syn": sy["cond_syn"]}
        props = self.properties
        for name, c in self._comps.items():
            p = props.loc[name]
            d.update({f"C_{name}": p.C, f"gL_{name}": p.gL, f"EL_{name}": p.EL,
                      f"has_dspike_{name}": 1.0 if c.dspike else 0.0,
                      f"g_rise_{name}": p.g_rise, f"g_fall_{name}": p.g_fall,
                      f"E_rise_{name}": dc["E_rise"], f"E_fall_{name}": dc["E_fall"],
                      f"dspike_threshold_{name}": dc["threshold"],
                      f"duration_rise_{name}": dc["duration_rise"],
                      f"duration_fall_{name}": dc["duration_fall"],
                      f"offset_fall_{name}": dc["offset_fall"],
                      f"dspike_refractory_{name}": dc["refractory"]})
        for a, b, g in self._links:
            d[f"g_{a}_{b}"] = self._g_link(a, b, g)
        return d

    def link_index_rows(self) -> np.ndarray:
        """Derived rows: compartment indices (a, b) of every coupling, flattened."""
        names = list(self._comps)
        return np.array([x for a, b, _ in self._links for x in (names.index(a), names.index(b))],
                        dtype=np.float64)

    def _P(self, method):
        d = self.param_dict(method)
        return np.concatenate([np.fromiter(d.values(), float), self.link_index_rows()])[:, None]

    def initial_state(self, P, v_init=None) -> np.ndarray:
        """Initial state matrix of the reduced-neuron kernel.

        Parameters
        ----------
        P : numpy.ndarray
            Parameter matrix (rows as in :mod:`connectome_sim.reduced.kernel`, one column per
            neuron); ``P[0, 0]`` is the number of compartments K.
        v_init : float, optional
            Initial voltage of every compartment (mV); default each compartment's EL (mV).

        Returns
        -------
        numpy.ndarray
            ``(4K + 2, n)`` float64 state: voltages (mV), no dSpike yet (-1e9), synaptic
            variables 0 (µS or nA), no somatic spike (-1e9), no pending reset (-1).
        """
        K = int(P[0, 0])
        S = np.zeros((4 * K + 2, P.shape[1]))
        for c in range(K):
            S[c] = P[kernel.BASE + kernel.PER_COMP * c + 2] if v_init is None else v_init
        S[K:2 * K] = -1e9
        S[4 * K] = -1e9
        S[4 * K + 1] = -1.0
        return S

    def check_dt(self, dt, method):
        """Forward Euler needs dt < 2 min(C / Σg); raise StabilityError otherwise."""
        if method != "euler":
            return
        props = self.properties
        gsum = props.gL + props.g_rise + props.g_fall
        for a, b, g in self._links:
            gl_ = self._g_link(a, b, g)
            gsum[a] += gl_
            gsum[b] += gl_
        tau = (props.C * 1e-3 / gsum).min()
        if dt >= 2 * tau:
            raise StabilityError(
                f"forward Euler is unstable at dt={dt} ms for this neuron (fastest compartment "
                f"time constant {tau:.3g} ms); use dt < {2 * tau:.3g} ms or method='implicit'")

    # ------------------------------------------------------------------ running
    def simulate(self, duration, dt=0.1, currents=(), method="euler", v_init=None) -> ReducedResult:
        """Run the neuron alone.

        Parameters
        ----------
        duration : float
            ms.
        dt : float
            Time step (ms); Dendrify/Brian2's default is 0.1.
        currents : iterable of (compartment, amplitude, start, stop)
            Current steps (nA, ms); steps k with start <= k dt < stop get the amplitude.
        method : {'euler', 'implicit'}
        v_init : float, optional
            Initial voltage of every compartment (mV); default each compartment's EL.
        """
        self.check_dt(dt, method)
        P = self._P(method)
        S = self.initial_state(P, v_init)
        n = int(round(duration / dt))
        names = list(self._comps)
        K = len(names)
        Ic = np.zeros((n, K))
        tk = np.arange(n) * dt
        for comp, amp, start, stop in currents:
            c = names.index(self._comp(comp).name)
            k0 = int(math.floor(start / dt + 1e-6))
            k1 = int(math.floor(stop / dt + 1e-6))
            Ic[k0:k1, c] += amp
        v = np.empty((n, K))
        dsp = np.zeros((n, K), np.int8)
        soma = np.zeros(n, np.bool_)
        kernel.run_single(n, float(dt), S, P, Ic, v, dsp, soma)
        kk, cc = np.nonzero(dsp)
        return ReducedResult(
            v=pd.DataFrame(v, index=pd.Index(tk, name="time"), columns=names),
            spikes=tk[soma],
            dspikes=pd.DataFrame({"compartment": np.asarray(names, dtype=object)[cc],
                                  "time": tk[kk]}))

    def steady_state(self, inject: dict) -> pd.Series:
        """Passive steady-state voltage deflection (mV) for DC currents ``{compartment: nA}``."""
        self._check()
        names = list(self._comps)
        props = self.properties
        G = np.diag(props.gL.to_numpy().astype(float))
        for a, b, g in self._links:
            ia, ib, gv = names.index(a), names.index(b), self._g_link(a, b, g)
            G[ia, ia] += gv
            G[ib, ib] += gv
            G[ia, ib] -= gv
            G[ib, ia] -= gv
        rhs = np.zeros(len(names))
        for comp, amp in inject.items():
            rhs[names.index(self._comp(comp).name)] += amp
        return pd.Series(np.linalg.solve(G, rhs), index=names, name="dV")

    def input_resistance(self, compartment=None) -> float:
        """DC input resistance (MΩ) at ``compartment`` (default: the soma), passive."""
        compartment = compartment or self.compartments[0]
        return float(self.steady_state({compartment: 1.0})[compartment])

    def to_point_model(self, name=None, method="euler", synapse_compartment=None,
                       stimulus_compartment=None):
        """A registered PointNetwork model (class) running this neuron; see
        :func:`connectome_sim.network.models.dendritic.make_dendritic_model`."""
        from ..network.models.dendritic import make_dendritic_model
        return make_dendritic_model(self, name=name, method=method,
                                    synapse_compartment=synapse_compartment,
                                    stimulus_compartment=stimulus_compartment)
