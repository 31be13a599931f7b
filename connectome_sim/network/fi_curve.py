"""Time-varying injected currents (ramps, callables, sampled arrays) and f–I curves.

:class:`WaveformCurrent` is what ``PointNetwork.add_current`` builds when ``amplitude`` is a
callable ``f(t)`` (t in ms) or an array of amplitudes over time; :func:`ramp_input` is
BrainPy's ``ramp_input`` (seed 002); :func:`fi_curve` measures firing rate against a constant
current for any point model.  Currents are in the model's current unit (nA for the
NEURON-unit models, µA/cm² for HH/MorrisLecar/WangBuzsakiHH, ``R·I`` units for ExpIF/AdEx).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .inputs import Current

__all__ = ["WaveformCurrent", "ramp_input", "fi_curve"]


def ramp_input(c_start, c_end, duration, t_start=0.0, t_end=None, dt=0.1) -> np.ndarray:
    """BrainPy's ``ramp_input``: one value per ``dt`` over ``duration`` ms, rising linearly
    from ``c_start`` at ``t_start`` to ``c_end`` at ``t_end`` (ms), zero outside [t_start, t_end).

    Pass the result to ``add_current(ids, amplitude=arr, sample_interval=dt)``.
    """
    t_end = duration if t_end is None else t_end
    t = np.arange(int(round(duration / dt))) * dt
    out = np.zeros_like(t)
    on = (t >= t_start) & (t < t_end)
    out[on] = c_start + (c_end - c_start) * (t[on] - t_start) / (t_end - t_start)
    return out


@dataclass
class WaveformCurrent(Current):
    """A current whose amplitude varies with time (piecewise constant per time step).

    ``waveform`` is either a callable ``f(t) -> float or array (one per neuron)`` evaluated at
    the midpoint of every step in [start, stop), or an array (n_samples,) or (n_samples,
    n_neurons) of amplitudes held for ``sample_interval`` ms each, the first at ``start``.
    The base class's ``amplitude`` is a per-neuron scale factor (1 by default).
    """

    waveform: object = None
    sample_interval: float | None = None

    def segments(self, dt, n_steps):
        k0 = int(np.floor(self.start / dt + 1e-6))
        if callable(self.waveform):
            k1 = n_steps if not np.isfinite(self.stop) else min(
                int(np.floor(self.stop / dt + 1e-6)), n_steps)
            ks = np.arange(k0, max(k0, k1))
            vals = [np.broadcast_to(np.asarray(self.waveform((k + 0.5) * dt), float),
                                    self.neurons.shape) for k in ks]
            vals = np.asarray(vals).reshape(ks.size, self.neurons.size)
        else:
            arr = np.asarray(self.waveform, float)
            si = dt if self.sample_interval is None else self.sample_interval
            k1 = min(int(np.floor(min(self.stop, self.start + arr.shape[0] * si) / dt + 1e-6)),
                     n_steps)
            ks = np.arange(k0, max(k0, k1))
            idx = np.minimum(((ks * dt + 0.5 * dt - self.start) // si).astype(np.int64),
                             arr.shape[0] - 1)
            vals = arr[idx]
            vals = np.broadcast_to(vals if vals.ndim == 2 else vals[:, None],
                                   (ks.size, self.neurons.size))
        if not np.all(np.isfinite(vals)):
            raise ParameterError("add_current: the waveform has NaN/inf values")
        vals = vals * np.asarray(self.amplitude, float)[None, :]
        n = self.neurons.size
        rows = np.tile(self.neurons, ks.size)
        kk0 = np.repeat(ks, n)
        return rows, kk0, kk0 + 1, vals.reshape(-1)


def fi_curve(model, amplitudes, duration=1000.0, dt=0.1, transient=200.0, v_init=None,
             **params) -> pd.DataFrame:
    """Firing rate (Hz) of ``model`` against a constant current, one neuron per amplitude.

    Parameters
    ----------
    model : str or PointModel class
        E.g. ``'HH'``; any clock-driven model that accepts currents.
    amplitudes : array_like
        Currents in the model's unit (see module docstring).
    duration : float
        ms of constant current; the rate counts spikes after ``transient`` ms.
    dt : float
        ms.
    **params
        Model parameters (scalars or one value per amplitude).

    Returns
    -------
    pandas.DataFrame
        Index ``amplitude``; columns ``rate`` (Hz) and ``n_spikes``.
    """
    from .network import PointNetwork

    amps = np.asarray(amplitudes, float).ravel()
    if transient >= duration:
        raise ParameterError(f"transient ({transient} ms) must be shorter than duration ({duration} ms)")
    net = PointNetwork(model)
    ids = list(range(amps.size))
    net.add_neurons(ids, **params)
    net.add_current(ids, amplitude=amps, start=0.0, stop=duration)
    net.run_simulation(duration, dt=dt, v_init=v_init)
    sp = net.spikes
    sp = sp[sp["time"] >= transient]
    counts = sp.groupby("neuron_id").size().reindex(ids, fill_value=0).to_numpy()
    return pd.DataFrame({"rate": counts / ((duration - transient) / 1000.0), "n_spikes": counts},
                        index=pd.Index(amps, name="amplitude"))
