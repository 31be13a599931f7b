"""Passive (linear) analysis of a :class:`CompartmentModel`: impedances, attenuation, electrotonic
distance — straight from the linear cable system, no time stepping.

The model's compartments form a tree with admittance matrix ``Y = G + jωC`` (membrane
conductance and capacitance on the diagonal, axial conductances between neighbours; the same
numbers the solver uses).  Two O(n) sweeps over the tree (Hines order) give, for every
compartment, the admittance of its subtree and of the rest of the tree seen through its parent
link; from them follow the input impedance of every compartment and, for a reference location
``to_node``, the voltage everywhere for a unit current injected there, i.e. the transfer
impedance Z(i, k) = Z(k, i) (reciprocity) for every i.  This is what NEURON's ``Impedance``
class computes (``loc``, ``compute(freq)``, ``input``, ``transfer``, ``ratio``), with which the
tests compare.

Conventions (NEURON's):

* ``input_resistance`` / ``input_impedance``: |Z(i, i)|, MΩ.
* ``transfer_impedance(from, to)``: Z(from, to) = V(to) / I(from) (= V(from) / I(to)), MΩ,
  magnitude and phase (rad).
* ``attenuation(from, to)``: V(to) / V(from) when current enters at ``from`` (NEURON's
  ``ratio``), in (0, 1].
* ``electrotonic_distance(from, to)``: ln(1 / attenuation), the log-attenuation of Carnevale
  et al. (1997, "electrotonic transform"; NEURON's ``Vin`` direction when ``to`` is the
  reference point), dimensionless.

Membrane conductance: the constant (passive) conductances of the model — ``pas`` and leak
terms such as hh's ``gl`` — always; with ``v_rest`` given, the voltage-dependent mechanisms add
their conductance at v_rest with gates at their steady state and frozen (NEURON's
``Impedance.compute(freq)`` after ``finitialize(v_rest)``, i.e. ``extended = 0``).

Results are pandas objects keyed by node ID.  Units: MΩ, µS, nF, Hz, mV, rad.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectome_sim.engine.cable_run import kernel_notice, mechanism_conductance
from connectome_sim.errors import ParameterError

from .compile import check_kernels, compile_cell

__all__ = ["input_resistance", "input_impedance", "transfer_impedance", "attenuation",
           "electrotonic_distance", "linear_system", "node_values", "plot_node_values"]


# ----------------------------------------------------------------------------- the system
def linear_system(model, v_rest: float | None = None, celsius: float = 6.3):
    """Arrays of the linearised cable of ``model``.

    Parameters
    ----------
    model : CompartmentModel
    v_rest : float, optional
        Membrane potential (mV) at which voltage-dependent mechanisms are linearised (gates at
        steady state, frozen).  None: constant conductances only (passive analysis).
    celsius : float
        Temperature (°C) for the rates of temperature-dependent mechanisms.

    Returns
    -------
    dict
        ``parent`` (int64), ``gax`` (axial conductance to the parent, µS), ``gm`` (membrane
        conductance, µS), ``cap`` (nF), all per compartment in Hines order.
    """
    arr = compile_cell(model).arrays
    gm = np.asarray(arr.gconst, float).copy()
    if v_rest is not None:
        v_rest = float(v_rest)
        if not np.isfinite(v_rest):
            raise ParameterError(f"v_rest must be a finite potential in mV, got {v_rest}")
        with kernel_notice(arr, linearise=True):
            check_kernels(arr.mechs)
            for m in arr.mechs:
                # the mechanism's own compiled kernel, gates at steady state at v_rest
                gm[m.comp] += mechanism_conductance(m.mechanism, m.par, v_rest, celsius)
    return {"parent": np.asarray(arr.parent, np.int64), "gax": np.asarray(arr.gax, float),
            "gm": gm, "cap": np.asarray(arr.cap, float)}


def _sweeps(sys_, freq):
    """Subtree admittances S, parent-side admittances B (µS, complex) at ``freq`` Hz."""
    if not (np.isfinite(freq) and freq >= 0):
        raise ParameterError(f"freq must be a frequency >= 0 in Hz, got {freq}")
    parent, gax = sys_["parent"], sys_["gax"]
    y = sys_["gm"] + 1j * (2.0 * np.pi * float(freq) * 1e-3) * sys_["cap"]  # µS (nF·kHz)
    n = len(parent)
    S = y.astype(complex).copy()
    A = np.zeros(n, complex)  # admittance of i's subtree seen from its parent through gax[i]
    for i in range(n - 1, -1, -1):
        p = parent[i]
        if p >= 0:
            A[i] = gax[i] * S[i] / (gax[i] + S[i])
            S[p] += A[i]
    B = np.zeros(n, complex)
    for i in range(n):
        p = parent[i]
        if p >= 0:
            rest = S[p] - A[i] + B[p]
            B[i] = gax[i] * rest / (gax[i] + rest)
    zin = 1.0 / (S + B)
    if not np.all(np.isfinite(zin)):
        bad = np.flatnonzero(~np.isfinite(zin))[:5]
        raise ParameterError(
            f"the cable system is singular at {freq} Hz (compartments {bad.tolist()}): at DC a "
            "model needs a membrane conductance (insert 'pas') to have an input resistance")
    return S, B, zin


def _transfer_from(sys_, S, B, zin, k):
    """Voltage at every compartment (MΩ·nA, complex) for 1 nA injected at compartment ``k``."""
    parent, gax = sys_["parent"], sys_["gax"]
    n = len(parent)
    v = np.zeros(n, complex)
    done = np.zeros(n, bool)
    v[k], done[k] = zin[k], True
    a = k
    while parent[a] >= 0:  # up to the root: divider of gax[a] and the rest of the tree
        p = parent[a]
        rest = S[p] - gax[a] * S[a] / (gax[a] + S[a]) + B[p]
        v[p] = v[a] * gax[a] / (gax[a] + rest)
        done[p] = True
        a = p
    for i in range(n):  # everything else hangs below a node already known
        if not done[i]:
            v[i] = v[parent[i]] * gax[i] / (gax[i] + S[i])
    return v


# ----------------------------------------------------------------------------- IDs
def _nodes_and_comps(model, nodes):
    """(node IDs, compartments) for node IDs, a label name (all its nodes) or None (all)."""
    geom = model.geometry
    nt = geom.node_table
    if nodes is None:
        ids = nt.index.to_numpy()
    elif isinstance(nodes, str) or (isinstance(nodes, (list, tuple)) and nodes
                                    and all(isinstance(x, str) for x in nodes)):
        comps = set(geom.select(nodes).tolist())  # raises for unknown labels
        ids = nt.index.to_numpy()[np.isin(nt["compartment"].to_numpy(), list(comps))]
    else:
        ids = np.atleast_1d(np.asarray(nodes))
    return ids, geom.node_to_compartment(ids)  # raises UnknownIDError listing unknown IDs


def _one_node(model, node):
    if node is None or isinstance(node, str) or np.ndim(node) != 0:
        raise ParameterError(f"to_node must be a single node ID, got {node!r}")
    return int(model.geometry.node_to_compartment([node])[0])


# ----------------------------------------------------------------------------- public API
def input_impedance(model, nodes=None, freq: float = 0.0, v_rest: float | None = None,
                    celsius: float = 6.3) -> pd.DataFrame:
    """Input impedance at each node (NEURON ``Impedance.input``/``input_phase``).

    Parameters
    ----------
    model : CompartmentModel
    nodes : node IDs, a label name, or None (all nodes of the skeleton)
    freq : float
        Frequency (Hz); 0 for DC.
    v_rest : float, optional
        Linearise voltage-dependent mechanisms at this potential (mV); default passive only.
    celsius : float
        Temperature (°C) used with ``v_rest``.

    Returns
    -------
    pandas.DataFrame
        Indexed by node ID, columns ``magnitude`` (MΩ) and ``phase`` (rad).
    """
    ids, comps = _nodes_and_comps(model, nodes)
    _, _, zin = _sweeps(linear_system(model, v_rest, celsius), freq)
    z = zin[comps]
    return pd.DataFrame({"magnitude": np.abs(z), "phase": np.angle(z)},
                        index=pd.Index(ids, name="node_id"))


def input_resistance(model, nodes=None, freq: float = 0.0, v_rest: float | None = None,
                     celsius: float = 6.3) -> pd.Series:
    """Input resistance (MΩ) at each node: |Z(i, i)| at ``freq`` Hz (DC by default).

    See :func:`input_impedance` for the parameters.  Returns a Series indexed by node ID.
    """
    out = input_impedance(model, nodes, freq, v_rest, celsius)["magnitude"]
    return out.rename("input_resistance")


def transfer_impedance(model, from_nodes, to_node, freq: float = 0.0,
                       v_rest: float | None = None, celsius: float = 6.3) -> pd.DataFrame:
    """Transfer impedance between each of ``from_nodes`` and ``to_node``.

    Z = V(to_node) / I(from_node) = V(from_node) / I(to_node) (reciprocity); NEURON's
    ``Impedance.transfer``/``transfer_phase`` with ``loc`` at ``to_node``.

    Parameters
    ----------
    from_nodes : node IDs, a label name, or None (all nodes)
    to_node : int
        The reference node ID.
    freq, v_rest, celsius
        As in :func:`input_impedance` (Hz, mV, °C).

    Returns
    -------
    pandas.DataFrame
        Indexed by node ID, columns ``magnitude`` (MΩ) and ``phase`` (rad).
    """
    k = _one_node(model, to_node)
    ids, comps = _nodes_and_comps(model, from_nodes)
    sys_ = linear_system(model, v_rest, celsius)
    S, B, zin = _sweeps(sys_, freq)
    z = _transfer_from(sys_, S, B, zin, k)[comps]
    return pd.DataFrame({"magnitude": np.abs(z), "phase": np.angle(z)},
                        index=pd.Index(ids, name="node_id"))


def attenuation(model, from_nodes, to_node, freq: float = 0.0, v_rest: float | None = None,
                celsius: float = 6.3) -> pd.Series:
    """Voltage transfer ratio |V(to_node) / V(from_node)| for current injected at each of
    ``from_nodes`` (NEURON ``Impedance.ratio`` with ``loc`` at ``to_node``), in (0, 1].

    Parameters as in :func:`transfer_impedance`.  Returns a Series indexed by node ID
    (dimensionless).  ``attenuation(model, synapse_nodes, ais_node)`` answers "how much of
    each synapse's local depolarisation reaches the axon initial segment".
    """
    k = _one_node(model, to_node)
    ids, comps = _nodes_and_comps(model, from_nodes)
    sys_ = linear_system(model, v_rest, celsius)
    S, B, zin = _sweeps(sys_, freq)
    z = _transfer_from(sys_, S, B, zin, k)[comps]
    return pd.Series(np.abs(z / zin[comps]), index=pd.Index(ids, name="node_id"),
                     name="attenuation")


def electrotonic_distance(model, from_nodes, to_node, freq: float = 0.0,
                          v_rest: float | None = None, celsius: float = 6.3) -> pd.Series:
    """Log-attenuation ln(V(from) / V(to)) for signals travelling from each of ``from_nodes``
    to ``to_node`` (Carnevale et al. 1997; dimensionless, 0 at ``to_node``).

    Parameters as in :func:`transfer_impedance`.  Returns a Series indexed by node ID.
    """
    att = attenuation(model, from_nodes, to_node, freq, v_rest, celsius)
    return (-np.log(att)).rename("electrotonic_distance")


def node_values(model, values, fill=np.nan) -> pd.Series:
    """Spread per-node results over every node of the skeleton (for plots and node tables).

    Parameters
    ----------
    model : CompartmentModel
    values : pandas.Series
        Indexed by node ID (e.g. the output of :func:`attenuation`).  Nodes not in the index
        take the value of another node of the same compartment if there is one, else ``fill``.

    Returns
    -------
    pandas.Series
        Indexed like ``model.nodes`` (every node ID), same name as ``values``: ready to be
        assigned as a node-table column, e.g. for ``navis.plot3d(color_by=...)`` or
        :func:`connectome_sim.plotting.plot_skeleton_voltage`-style colouring.
    """
    if not isinstance(values, pd.Series):
        raise ParameterError("values must be a pandas Series indexed by node ID")
    nt = model.geometry.node_table
    comps = model.geometry.node_to_compartment(values.index.to_numpy())
    per_comp = pd.Series(values.to_numpy(), index=comps)
    per_comp = per_comp[~per_comp.index.duplicated()]
    out = per_comp.reindex(nt["compartment"].to_numpy()).to_numpy()
    out = np.where(pd.isna(out), fill, out)
    direct = values[~values.index.duplicated()]
    res = pd.Series(out, index=nt.index, name=values.name)
    res.loc[direct.index] = direct.to_numpy()
    return res


def plot_node_values(model, values, title: str | None = None, colorscale: str = "Viridis",
                     show: bool = False):
    """3-D plotly figure of the skeleton coloured by per-node ``values`` (e.g. attenuation).

    Parameters
    ----------
    model : CompartmentModel
    values : pandas.Series
        Indexed by node ID; spread over all nodes with :func:`node_values` (nodes of
        compartments without a value are drawn grey).
    title : str, optional
        Figure title (default: the Series name).
    colorscale : str
        Plotly colour scale.
    show : bool
        Call ``fig.show()``.

    Returns
    -------
    plotly.graph_objects.Figure
        Cable drawn as node-to-parent lines (µm) plus coloured node markers with a colour bar.
    """
    import plotly.graph_objects as go

    from connectome_sim.plotting.voltage import skeleton_node_table

    nt = skeleton_node_table(model).set_index("node_id")
    vals = node_values(model, values).reindex(nt.index)
    xyz = nt[["x", "y", "z"]].to_numpy()
    par = nt["parent_id"].to_numpy()
    has = par >= 0
    pxyz = nt[["x", "y", "z"]].reindex(par[has]).to_numpy()
    seg = np.full((3 * has.sum(), 3), np.nan)
    seg[0::3], seg[1::3] = xyz[has], pxyz
    fig = go.Figure([
        go.Scatter3d(x=seg[:, 0], y=seg[:, 1], z=seg[:, 2], mode="lines",
                     line={"color": "lightgrey", "width": 2}, hoverinfo="skip",
                     showlegend=False),
        go.Scatter3d(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], mode="markers",
                     marker={"size": 2, "color": vals.to_numpy(), "colorscale": colorscale,
                             "colorbar": {"title": values.name or ""}},
                     text=[f"node {i}: {v:.4g}" for i, v in zip(nt.index, vals)],
                     hoverinfo="text", showlegend=False)])
    fig.update_layout(title=title or (values.name or ""),
                      scene={"aspectmode": "data", "xaxis_title": "x (µm)",
                             "yaxis_title": "y (µm)", "zaxis_title": "z (µm)"})
    if show:
        fig.show()
    return fig
