"""Pooling: graph construction (knn_graph, radius_graph), graclus, global and hierarchical pooling."""
from .fps import fps
from .knn import knn, knn_graph
from .nearest import nearest
from .radius import radius, radius_graph
from .avg_pool import avg_pool, avg_pool_neighbor_x, avg_pool_x
from .graclus import graclus
from .max_pool import max_pool, max_pool_neighbor_x, max_pool_x
from .voxel_grid import voxel_grid
from .topk_pool import TopKPooling
from .sag_pool import SAGPooling
from .edge_pool import EdgePooling
from .asap import ASAPooling
from .pan_pool import PANPooling
from .mem_pool import MemPooling

__all__ = [
    "fps",
    "knn",
    "knn_graph",
    "nearest",
    "radius",
    "radius_graph",
    "graclus",
    "max_pool",
    "avg_pool",
    "max_pool_x",
    "avg_pool_x",
    "max_pool_neighbor_x",
    "avg_pool_neighbor_x",
    "voxel_grid",
    "TopKPooling",
    "SAGPooling",
    "EdgePooling",
    "ASAPooling",
    "PANPooling",
    "MemPooling",
]
