r"""Graph construction by radius search: :func:`radius` (for each point of ``y``,
the points of ``x`` within distance ``r``) and :func:`radius_graph` (the same within
one point set, as ``edge_index``); see :mod:`distgnn.ops.cluster` for the backends."""
from ...ops.cluster import radius, radius_graph

__all__ = ["radius", "radius_graph"]
