"""Figures from simulation results: rasters, rate traces and heat maps, voltage traces, and the
skeleton coloured by membrane voltage.

Every function takes plain pandas tables (spike tables with ``trial``, ``neuron_id``, ``time`` in
ms; voltage tables indexed by time in ms with one column per recording, in mV), so the model
classes' ``plot_*`` methods are thin wrappers.  ``backend='plotly'`` (default, interactive HTML,
WebGL for large rasters) or ``'matplotlib'`` (static).
"""

from .export import figure_to_image, write_image
from .celegans import (CELEGANS_GABAERGIC_CLASSES, CELEGANS_SENSORY_CLASSES, celegans_cell_class,
                       celegans_edge_signs, celegans_neuron_table)
from .raster import plot_raster, raster_rows
from .rates import binned_rates, plot_rate_heatmap, plot_traces
from .voltage import (plot_skeleton_voltage, plot_voltage_traces, representative_nodes,
                      skeleton_node_table)

__all__ = [
    "plot_raster", "raster_rows", "plot_traces", "plot_rate_heatmap", "binned_rates",
    "plot_voltage_traces", "plot_skeleton_voltage", "skeleton_node_table", "representative_nodes",
    "write_image", "figure_to_image",
    "celegans_cell_class", "celegans_neuron_table", "celegans_edge_signs", "CELEGANS_SENSORY_CLASSES",
    "CELEGANS_GABAERGIC_CLASSES",
]
