"""Skeleton or morphology file -> cable geometry (NEURON semantics, pt3d-exact areas and
axial resistances).

Public API: :func:`build_geometry` -> :class:`CableGeometry`; :func:`load_morphology` ->
:class:`Morphology` (validated, rerooted single tree in µm).  Two soma conventions
(:data:`CONVENTIONS`): ``'neuron'``, NEURON's Import3d reading of SWC/ASC/HDF5 files
(:mod:`.import3d`), and ``'navis'``, navis's reading of skeletons.  Units: µm, µm², MΩ.
"""

from .geometry import CONVENTIONS, CableGeometry, MorphologyRepairWarning, build_geometry
from .skeleton import Morphology, load_morphology

__all__ = ["build_geometry", "CableGeometry", "load_morphology", "Morphology", "CONVENTIONS",
           "MorphologyRepairWarning"]
