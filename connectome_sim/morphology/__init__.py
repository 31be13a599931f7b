"""Skeleton -> cable geometry (NEURON semantics, pt3d-exact areas and axial resistances).

Public API: :func:`build_geometry` -> :class:`CableGeometry`; :func:`load_morphology` ->
:class:`Morphology` (validated, rerooted single tree in µm).  Units: µm, µm², MΩ.
"""

from .geometry import CableGeometry, build_geometry
from .skeleton import Morphology, load_morphology

__all__ = ["build_geometry", "CableGeometry", "load_morphology", "Morphology"]
