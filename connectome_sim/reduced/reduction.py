"""``reduce(skeleton, ...)``: a reduced dendritic neuron from a skeleton, one compartment per
label group (e.g. navis ``split_axon_dendrite``: cellbodyfiber / dendrite / linker / axon).

Method (units: µm², MΩ, µS, pF)
-------------------------------
1. Build the NEURON-exact cable geometry (:func:`connectome_sim.morphology.build_geometry`)
   and label every cable compartment with the majority label of its skeleton nodes
   (compartments without nodes inherit their parent's label).
2. Each label group becomes one isopotential compartment with the group's total membrane
   area: ``C = cm · area``, ``g_L = g_pas · area`` (areas are preserved exactly).
3. Each group has a *representative point*: the soma node for the soma's group, otherwise
   the root-most cable compartment of the group's largest connected part (its base, e.g. the
   dendrite base).  The coupling conductances are the exact DC reduction (Kron reduction /
   Schur complement) of the cable's axial conductance network onto these points: the
   reduced network has the same axial resistance between every pair of representative
   points as the full cable.  (Membrane is lumped at the representative points, so the input
   resistance and the attenuation between those points match the full model to the extent
   that each group is electrotonically compact.)

The soma compartment is the group containing the skeleton's soma (root) node; it is the
first compartment (it receives ``PointNetwork.add_current``) and carries the leaky I&F
spiking (``set_spiking`` on the result to change it).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..errors import ParameterError
from .neuron import ReducedNeuron

__all__ = ["reduce", "group_labels"]


def _node_labels(geom, label_col):
    nt = geom.node_table
    for col in (f"label_{label_col}", label_col):   # build_geometry prefixes clashing names
        if col in nt.columns and col not in ("section", "x", "compartment"):
            return nt[col].astype(str)
    raise ParameterError(
        f"label column {label_col!r} not in the skeleton's node table (label columns: "
        f"{geom.label_columns()}); for navis axon/dendrite labels run "
        "navis.split_axon_dendrite(n, label_only=True, cellbodyfiber='soma') first, or "
        "pass split=True")


def group_labels(geom, label_col="compartment") -> np.ndarray:
    """Label (str) of every cable compartment: majority label of its nodes, else the parent's.

    Parameters
    ----------
    geom : CableGeometry
        Discretised skeleton whose ``node_table`` maps nodes to compartments.
    label_col : str
        Node-table column (or node labels) used to group compartments.

    Returns
    -------
    numpy.ndarray
        One str label per compartment (Hines order); compartments without nodes inherit
        their parent's label.
    """
    lab = _node_labels(geom, label_col)
    comp = geom.node_table["compartment"].to_numpy()
    out = np.full(geom.n_comp, None, dtype=object)
    counts: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for c, l in zip(comp, lab.to_numpy()):
        counts[int(c)][l] += 1
    for c, d in counts.items():
        out[c] = max(d.items(), key=lambda kv: kv[1])[0]
    for i in range(geom.n_comp):           # Hines order: parents first
        if out[i] is None:
            out[i] = out[geom.parent[i]] if geom.parent[i] >= 0 else out[1] if geom.n_comp > 1 else "soma"
    return out.astype(str)


def reduce(skeleton, label_col="compartment", split=False, res=10.0, Ra=266.1, cm=0.8,
           g_pas=1 / 20800, e_pas=-60.0, soma_name=None, **spiking) -> ReducedNeuron:
    """Reduce a skeleton to a :class:`ReducedNeuron`, one compartment per label group.

    Parameters
    ----------
    skeleton : navis.TreeNeuron, NeuronList of one, SWC path, DataFrame or CableGeometry
        The neuron (µm).  Its node table needs ``label_col`` (unless ``split``).
    label_col : str
        Node-table column whose values define the groups.
    split : bool
        Run ``navis.split_axon_dendrite(label_only=True, cellbodyfiber='soma')`` first
        (labels cellbodyfiber / dendrite / linker / axon in column ``compartment``).
    res : float
        Maximum segment length (µm) of the cable geometry used for areas and resistances.
    Ra : float
        Axial resistivity, Ω·cm (default: the navis tutorial's 266.1).
    cm : float
        Specific capacitance, µF/cm² (tutorial: 0.8).
    g_pas, e_pas : float
        Leak conductance (S/cm²) and reversal (mV) (tutorial: 1/20800, -60).
    soma_name : str, optional
        Name of the soma compartment (default: the label of the soma's group).
    **spiking
        Passed to :meth:`ReducedNeuron.set_spiking` (threshold, reset, refractory ...).

    Returns
    -------
    ReducedNeuron
        With ``.groups`` (DataFrame: area µm², number of cable compartments per group) and
        ``.representatives`` (cable compartment and node IDs of each group's point).
    """
    from ..morphology import CableGeometry, build_geometry
    import pandas as pd

    if split:
        import navis
        nl = skeleton
        if isinstance(nl, navis.NeuronList):
            nl = nl[0]
        skeleton = navis.split_axon_dendrite(nl, label_only=True, cellbodyfiber="soma")
        label_col = "compartment"
    # (scipy here, not at the module's top: this module is imported with every
    # PointNetwork, through the model registry, and scipy.sparse costs a run ~0.3-0.5 s)
    import scipy.sparse as sp
    import scipy.sparse.linalg as splinalg
    from scipy.sparse import csgraph

    geom = skeleton if isinstance(skeleton, CableGeometry) else build_geometry(skeleton, res=res, Ra=Ra)
    labels = group_labels(geom, label_col)
    area = geom.area
    r = geom.ri_unit * Ra
    parent = geom.parent
    n = geom.n_comp
    soma_label = str(labels[0])
    names = [soma_label] + sorted(str(x) for x in set(labels) - {soma_label})
    rename = {soma_label: soma_name or soma_label}
    # representative compartment of each group
    same = labels[1:] == labels[parent[1:]]
    child = np.arange(1, n)
    A_ = sp.coo_matrix((np.ones(int(same.sum())), (child[same], parent[1:][same])), shape=(n, n))
    n_parts, part = csgraph.connected_components(A_, directed=False)
    part_area = np.bincount(part, weights=area, minlength=n_parts)
    rep = {}
    for name in names:
        if name == soma_label:
            rep[name] = 0
            continue
        idx = np.flatnonzero(labels == name)
        best = max(np.unique(part[idx]), key=lambda q: part_area[q])
        rep[name] = int(idx[part[idx] == best].min())
    # Kron reduction of the axial Laplacian onto the representative compartments
    gax = 1.0 / r[1:]
    L = sp.coo_matrix((np.concatenate([-gax, -gax, gax, gax]),
                       (np.concatenate([child, parent[1:], child, parent[1:]]),
                        np.concatenate([parent[1:], child, child, parent[1:]]))),
                      shape=(n, n)).tocsc()
    keep = np.array([rep[nm] for nm in names])
    other = np.setdiff1d(np.arange(n), keep)
    Luu = L[other][:, other].tocsc()
    Luk = L[other][:, keep].toarray()
    X = splinalg.splu(Luu).solve(Luk)
    Lred = L[keep][:, keep].toarray() - (L[keep][:, other] @ X)
    g_pair = {}
    for a_ in range(len(names)):
        for b_ in range(a_ + 1, len(names)):
            g = -Lred[a_, b_]
            if g > 1e-12 * np.abs(np.diag(Lred)).max():
                g_pair[(names[a_], names[b_])] = float(g)
    neuron = ReducedNeuron(cm=cm, gl=g_pas, v_rest=e_pas, r_axial=Ra)
    groups = {}
    for name in names:
        A = float(area[labels == name].sum())
        if A <= 0:
            raise ParameterError(f"label group {name!r} has no membrane area; merge it into a "
                                 "neighbouring label")
        groups[rename.get(name, name)] = dict(area=A, n_cable_compartments=int((labels == name).sum()))
        if name == soma_label:
            neuron.add_soma(rename[name], area=A)
        else:
            neuron.add_dendrite(name, area=A)
    for (a, b), g in g_pair.items():
        neuron.connect(rename.get(a, a), rename.get(b, b), g)
    neuron.set_spiking(**({"threshold": -45.0, "reset": e_pas, "refractory": 2.0} | spiking))
    neuron.groups = pd.DataFrame.from_dict(groups, orient="index")
    neuron.representatives = pd.DataFrame(
        {"compartment": [rep[nm] for nm in names],
         "node_ids": [geom.compartment_to_nodes(rep[nm]) for nm in names]},
        index=[rename.get(nm, nm) for nm in names])
    neuron.geometry = geom
    return neuron
