r"""Nearest-centre assignment: cluster every point of ``x`` with its closest query
point of ``y`` (within the same example); see :mod:`distgnn.ops.cluster`."""
from ...ops.cluster import nearest

__all__ = ["nearest"]
