"""Reduced dendritic neurons (:class:`connectome_sim.reduced.ReducedNeuron`) as PointNetwork models.

A ReducedNeuron's structure (compartments and couplings) is fixed per model class, so each
neuron description becomes its own registered model class::

    from connectome_sim.reduced import bap_neuron
    Model = make_dendritic_model(bap_neuron(), name="bAP", synapse_compartment="prox")
    net = PointNetwork.from_edge_list(edges, model=Model)       # or model="bAP"

Every parameter of the description is a per-neuron parameter of the model (``C_<comp>`` pF,
``gL_<comp>`` µS, ``g_<a>_<b>`` µS, dSpike settings...), so ``add_neurons(..., gL_dend=...)``
can vary them.  ``K`` and ``M`` (compartment and coupling counts) are structural and cannot be
overridden.

Channels: ``'exc'``/``'inh'`` of the first compartment (the soma) and ``'<comp>.exc'``/
``'<comp>.inh'`` of the others; edge weights are synaptic conductances in µS (conductance
synapses, reversal ``E_e``/``E_i``) or currents in nA (``set_synapses(conductance=False)``),
decaying with ``tau_e``/``tau_i``.  Positive edge weights go to ``<synapse_compartment>.exc``,
negative ones to ``<synapse_compartment>.inh``.  ``add_current`` injects nA into the soma.
Voltages: state ``v`` (soma) and ``v_<comp>`` (mV).  Dynamics: :mod:`connectome_sim.reduced.kernel`.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...errors import ParameterError
from .base import Param, PointModel, State, register_model
from ...reduced.kernel import reduced_step

__all__ = ["make_dendritic_model", "DendriticModel"]

_counter = itertools.count(1)

_UNITS = {"C": "pF", "gL": "µS", "EL": "mV", "has_dspike": "1", "g_rise": "µS", "g_fall": "µS",
          "E_rise": "mV", "E_fall": "mV", "dspike_threshold": "mV", "duration_rise": "ms",
          "duration_fall": "ms", "offset_fall": "ms", "dspike_refractory": "ms"}
_GLOBAL_UNITS = {"K": "1", "M": "1", "method": "0 euler / 1 implicit", "V_th": "mV",
                 "V_reset": "mV", "second_reset": "mV", "spike_width": "ms", "refractory": "ms",
                 "has_second_reset": "1", "tau_e": "ms", "tau_i": "ms", "E_e": "mV",
                 "E_i": "mV", "cond_syn": "0 current (nA) / 1 conductance (µS)"}


class DendriticModel(PointModel):
    """Base class of generated reduced-neuron models (see module docstring)."""

    neuron = None            # the ReducedNeuron it was made from
    _links = np.empty(0)

    @classmethod
    def param_array(cls, n, props=None):
        props = props or {}
        for k in ("K", "M"):
            if k in props and np.any(np.asarray(props[k], float) != cls.params[k].default):
                raise ParameterError(f"{cls.name}: {k} is structural (number of compartments/"
                                     "couplings) and cannot be set per neuron")
        P = super().param_array(n, props)
        return np.concatenate([P, np.repeat(cls._links[:, None], n, axis=1)], axis=0)

    @classmethod
    def check(cls, P, dt):
        if P[2].min() < 0.5:          # forward Euler somewhere
            cls.neuron.check_dt(dt, "euler")


def make_dendritic_model(neuron, name=None, method="euler", synapse_compartment=None,
                         stimulus_compartment=None):
    """Register and return a PointModel class running ``neuron`` (a ReducedNeuron).

    Parameters
    ----------
    neuron : connectome_sim.reduced.ReducedNeuron
    name : str, optional
        Model name for ``PointNetwork(model=name)``; default ``'Reduced<n>'``.
    method : {'euler', 'implicit'}
        Forward Euler (Dendrify/Brian2) or backward Euler (stable at any dt).
    synapse_compartment : str, optional
        Compartment that receives edge-list synapses (default: the soma).
    stimulus_compartment : str, optional
        Compartment that receives ``add_stimulus``/``add_poisson_input`` events (default: the
        synapse compartment).
    """
    pd_ = neuron.param_dict(method)
    comps = neuron.compartments
    syn_c = synapse_compartment or comps[0]
    stim_c = stimulus_compartment or syn_c
    for c in (syn_c, stim_c):
        if c not in comps:
            raise ParameterError(f"no compartment {c!r}; compartments: {comps}")
    params = {}
    for k, v in pd_.items():
        unit = _GLOBAL_UNITS.get(k)
        if unit is None:
            base = next((b for b in sorted(_UNITS, key=len, reverse=True)
                         if any(k == f"{b}_{c}" for c in comps)), None)
            unit = _UNITS[base] if base else "µS"
        params[k] = Param(float(v), unit)
    states = {}
    for j, c in enumerate(comps):
        states["v" if j == 0 else f"v_{c}"] = State(f"EL_{c}", "mV", f"membrane potential of {c}")
    for c in comps:
        states[f"dspike_step_{c}"] = State(-1e9, "steps", f"step of the last dSpike in {c}")
    for c in comps:
        states[f"g_e_{c}"] = State(0.0, "µS or nA", f"excitatory synaptic variable of {c}")
        states[f"g_i_{c}"] = State(0.0, "µS or nA", f"inhibitory synaptic variable of {c}")
    states["spike_step"] = State(-1e9, "steps", "step of the last somatic spike")
    states["second_reset_step"] = State(-1.0, "steps", "step of the pending second reset")
    channels = []
    for j, c in enumerate(comps):
        channels += ["exc", "inh"] if j == 0 else [f"{c}.exc", f"{c}.inh"]

    def ch(c, kind):
        return kind if c == comps[0] else f"{c}.{kind}"

    cls_name = name or f"Reduced{next(_counter)}"
    attrs = dict(
        name=cls_name, params=params, states=states, channels=tuple(channels),
        exc_channel=ch(syn_c, "exc"), inh_channel=ch(syn_c, "inh"),
        stimulus_channel=ch(stim_c, "exc"), compartments=tuple(comps), voltage="v",
        weight_unit="µS" if pd_["cond_syn"] > 0.5 else "nA", refractory_param="refractory",
        stimulus_weight=0.001, step=reduced_step, neuron=neuron,
        _links=neuron.link_index_rows(),
        doc_reference="Pagkalos, Chavlis & Poirazi (2023) Nat Commun 14:131 (Dendrify)",
        __doc__=f"Reduced dendritic neuron {cls_name}: compartments {comps}.")
    cls = type(cls_name, (DendriticModel,), attrs)
    return register_model(cls)
