"""Pooling: graph construction (knn_graph, radius_graph), graclus, global and hierarchical pooling."""

__all__ = []
