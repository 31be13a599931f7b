"""Figures of a :class:`~connectome_sim.cable.circuit.Circuit`: dipole over time, 3-D voltage view.

The 3-D view reuses :func:`connectome_sim.plotting.plot_skeleton_voltage` on one combined
node table (node IDs of cell *c* are offset by ``(c + 1) * 10**k`` so they stay unique).
Units: ms, mV, nA·µm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectome_sim.errors import ParameterError

__all__ = ["plot_dipole", "plot_circuit_3d"]


def plot_dipole(circuit, neurons=None, component: str = "z", show: bool = False):
    """Plotly figure of the current dipole moment (nA·µm) against time (ms).

    Parameters
    ----------
    circuit : Circuit
        A circuit run with ``dipole=True``.
    neurons : list, optional
        Neuron IDs to draw (default: every cell and the total).
    component : {'x', 'y', 'z', 'norm'}
        Component of the dipole; ``'norm'`` draws |P|.
    show : bool
        Call ``fig.show()``.
    """
    import plotly.graph_objects as go

    if circuit.dipole is None:
        raise ParameterError("no dipole recorded: run the circuit with dipole=True first")
    if component not in ("x", "y", "z", "norm"):
        raise ParameterError(f"component must be 'x', 'y', 'z' or 'norm', got {component!r}")
    d = circuit.dipole
    if isinstance(d.index, pd.MultiIndex):
        d = d.groupby(level="time").mean()  # trial average
    names = list(circuit.neuron_ids) + ["total"] if neurons is None else list(neurons)
    fig = go.Figure()
    for nid in names:
        sub = d[nid]
        y = np.sqrt((sub ** 2).sum(axis=1)) if component == "norm" else sub[component]
        fig.add_trace(go.Scatter(x=d.index.to_numpy(), y=np.asarray(y), mode="lines",
                                 name=str(nid),
                                 line={"width": 3 if nid == "total" else 1.5}))
    fig.update_layout(xaxis_title="time (ms)",
                      yaxis_title=f"dipole {'|P|' if component == 'norm' else 'P_' + component}"
                                  " (nA·µm)",
                      title="Current dipole moment", template="plotly_white")
    if show:
        fig.show()
    return fig


def plot_circuit_3d(circuit, neurons=None, **kwargs):
    """3-D skeletons of the cells coloured by their recorded voltages (time slider).

    Uses each cell's voltage records (``circuit[nid].records['v']``, columns = node IDs, e.g.
    from ``add_voltage_record(node_ids)``); cells without voltage records are skipped.
    ``kwargs`` go to :func:`connectome_sim.plotting.plot_skeleton_voltage`.
    """
    try:
        from connectome_sim.plotting import plot_skeleton_voltage
    except ImportError as e:  # pragma: no cover
        raise ImportError("the 3-D view needs connectome_sim.plotting") from e
    ids = list(circuit.neuron_ids) if neurons is None else list(neurons)
    tables, volts = [], []
    k = 10 ** (int(np.log10(max(int(circuit[n].geometry.morphology.nodes.node_id.max())
                                    for n in ids) + 1)) + 1)
    for c, nid in enumerate(ids):
        m = circuit[nid]
        v = m.records.get("v") if m.records else None
        if v is None:
            continue
        if isinstance(v.index, pd.MultiIndex):
            v = v.xs(0, level="trial")
        nodes = m.geometry.morphology.nodes[["node_id", "parent_id", "x", "y", "z", "radius"]].copy()
        off = (c + 1) * k
        nodes["node_id"] = nodes["node_id"] + off
        nodes["parent_id"] = np.where(nodes["parent_id"] >= 0, nodes["parent_id"] + off, -1)
        cols = [col for col in v.columns if isinstance(col, (int, np.integer))]
        if not cols:
            continue
        vv = v[cols].copy()
        vv.columns = [int(col) + off for col in cols]
        tables.append(nodes)
        volts.append(vv)
    if not tables:
        raise ParameterError("no cell has voltage records keyed by node ID; call "
                             "circuit[nid].add_voltage_record(node_ids) before running")
    return plot_skeleton_voltage(pd.concat(tables, ignore_index=True),
                                 pd.concat(volts, axis=1), **kwargs)
