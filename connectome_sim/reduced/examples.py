"""Ready-made reduced neurons and figures (used by the tutorials and the parity tests)."""

from __future__ import annotations

from .neuron import ReducedNeuron

__all__ = ["bap_neuron", "run_bap_example", "plot_bap"]


def bap_neuron() -> ReducedNeuron:
    """Seed 000 (Dendrify "Back-propagating dSpikes"): soma + trunk + prox + dist with dSpikes.

    Dendrify's values converted to our units: gl 40 µS/cm² = 4e-5 S/cm², couplings 15/6/2 nS,
    dSpike conductances in µS, somatic AP: reset to 40 mV, second reset to -55 mV 0.8 ms later.
    """
    n = ReducedNeuron(cm=1.0, gl=4e-5, v_rest=-65.0, r_axial=150.0, scale_factor=2.8,
                      spine_factor=1.5)
    n.add_soma("soma", length=25.0, diameter=25.0)
    n.add_dendrite("trunk", length=100.0, diameter=2.5)
    n.add_dendrite("prox", length=100.0, diameter=1.0)
    n.add_dendrite("dist", length=100.0, diameter=0.5)
    n.dspikes("trunk", g_rise=0.022, g_fall=0.014)
    n.dspikes("prox", g_rise=0.009, g_fall=0.0057)
    n.dspikes("dist", g_rise=0.0037, g_fall=0.0024)
    n.connect("soma", "trunk", 0.015)
    n.connect("trunk", "prox", 0.006)
    n.connect("prox", "dist", 0.002)
    n.config_dspikes(threshold=-35.0, duration_rise=1.2, duration_fall=2.4, offset_fall=0.2,
                     refractory=5.0, E_rise=70.0, E_fall=-89.0)
    n.set_spiking(threshold=-40.0, reset=40.0, second_reset=-55.0, spike_width=0.8,
                  refractory=4.0)
    return n


def run_bap_example(dt=0.1):
    """Seed 000's protocol: 10 ms rest, 115 pA (0.115 nA) into the soma for 100 ms, 60 ms rest.

    Parameters
    ----------
    dt : float
        Time step (ms).

    Returns
    -------
    ReducedResult
        The 170 ms simulation of :func:`bap_neuron` (voltages in mV indexed by time in ms).
    """
    return bap_neuron().simulate(170.0, dt=dt, currents=[("soma", 0.115, 10.0, 110.0)])


def plot_bap(result=None, path=None, zoom=(50.0, 120.0)):
    """Seed 000's figure (full voltage trace and zoom) with matplotlib.

    Parameters
    ----------
    result : ReducedResult, optional
        Result of :func:`run_bap_example`; run here (dt = 0.1 ms) if None.
    path : str or path-like, optional
        File to save the figure to (120 dpi); not saved if None.
    zoom : tuple of float
        Time window ``(start, stop)`` of the lower, zoomed panel (ms).

    Returns
    -------
    matplotlib.figure.Figure
        Voltage (mV) of every compartment against time (ms), full run and zoom.
    """
    import matplotlib.pyplot as plt

    res = result if result is not None else run_bap_example()
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(6, 5))
    for ax in (ax0, ax1):
        for c in res.v.columns:
            ax.plot(res.v.index, res.v[c], label=c, zorder=3 if c == "soma" else 2)
        ax.set_ylabel("Voltage (mV)")
    ax0.legend()
    ax1.set_xlim(*zoom)
    ax1.set_title("(Zoomed)", y=1, pad=-12, fontsize=10)
    ax1.set_xlabel("Time (ms)")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
