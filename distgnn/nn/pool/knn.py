r"""Graph construction by k-nearest neighbours: :func:`knn` (for each point of ``y``,
its ``k`` closest points of ``x``) and :func:`knn_graph` (the same within one point
set, as ``edge_index``). Both search within examples of a sorted batch vector; see
:mod:`distgnn.ops.cluster` for the backends."""
from ...ops.cluster import knn, knn_graph

__all__ = ["knn", "knn_graph"]
