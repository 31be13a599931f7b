"""Reading and writing: edge lists (:mod:`connectome_sim.io.edges`) and NWB export of results
(:mod:`connectome_sim.io.nwb`, needs pynwb).

Submodules are imported on demand so that ``import connectome_sim`` does not pull in pynwb.
"""
