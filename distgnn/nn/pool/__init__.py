"""Pooling: graph construction (knn_graph, radius_graph), graclus, global and hierarchical pooling."""
from .fps import fps
from .knn import knn, knn_graph
from .nearest import nearest
from .radius import radius, radius_graph

__all__ = [
    "fps",
    "knn",
    "knn_graph",
    "nearest",
    "radius",
    "radius_graph",
]
