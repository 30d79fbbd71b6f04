"""The one place layers aggregate: scatter, segment, sparse-dense matmul, sampling.

Layers call these functions and never a kernel library directly, so the backend of
every op (and sharded aggregation) can be swapped here.
"""
from .cluster import fps, grid, knn, knn_graph, nearest, radius, radius_graph
from .adjacency import adj_t_from_edge_index, cached_adj_t, clear_adjacency_cache
from .scatter import (REDUCTIONS, scatter, scatter_add, scatter_argmax, scatter_logsumexp,
                      scatter_max, scatter_mean, scatter_min, scatter_mul, scatter_std,
                      scatter_sum)
from .segment import gather_csr, index_from_ptr, ptr_from_index, segment_csr
from .sparse_diag import add_remaining_loops, set_diag
from .spline import spline_basis, spline_weighting
from .spmm import spmm, to_torch_csr
from .spspmm import spspmm

__all__ = [
    "adj_t_from_edge_index", "cached_adj_t", "clear_adjacency_cache",
    "REDUCTIONS", "scatter", "scatter_add", "scatter_sum", "scatter_mean", "scatter_max",
    "scatter_min", "scatter_mul", "scatter_argmax", "scatter_std", "scatter_logsumexp",
    "segment_csr", "gather_csr", "ptr_from_index", "index_from_ptr", "spmm", "to_torch_csr",
    "spspmm",
    "set_diag", "add_remaining_loops",
    "knn", "knn_graph", "radius", "radius_graph", "fps", "nearest", "grid",
    "spline_basis", "spline_weighting",
    "load_native", "native_available",
]

_NATIVE = ("load_native", "native_available")


def __getattr__(name: str):
    # Imported on first use so that `python -m distgnn.ops.native` runs a fresh module.
    if name in _NATIVE:
        from . import native
        return getattr(native, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
