"""``partition_graph``: the one entry point to every partitioner."""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from ._validate import as_edge_array, check_node_array, check_num_nodes, check_num_parts, to_numpy

__all__ = ["partition_graph", "METHODS"]

METHODS = ("metis", "graclus", "random", "stream")


def _edge_weight(edge_weight, num_edges: int) -> Optional[np.ndarray]:
    if edge_weight is None:
        return None
    w = to_numpy(edge_weight)
    if w.shape != (num_edges,):
        raise ValueError(f"edge_weight must have shape [{num_edges}], got {list(w.shape)}")
    if not np.all(np.isfinite(w)) or (w.size and w.min() < 0):
        raise ValueError("edge_weight must be finite and >= 0")
    if not np.issubdtype(w.dtype, np.integer):
        if w.size and np.any(w != np.round(w)):
            scale = 1000.0 / max(float(w.max()), 1e-300)
            return np.maximum(np.round(w * scale), 1).astype(np.int64)
    return w.astype(np.int64)


def _node_weight(node_weight, n: int) -> Optional[np.ndarray]:
    if node_weight is None:
        return None
    w = check_node_array(node_weight, n, "node_weight")
    if w.ndim == 1:
        w = w[:, None]
    if w.ndim != 2 or not np.all(np.isfinite(w)) or w.min() < 0:
        raise ValueError(f"node_weight must be finite, >= 0 and of shape [n] or [n, ncon], got {list(w.shape)}")
    return np.round(w).astype(np.int64)


def partition_graph(edge_index, num_nodes: Optional[int], num_parts: int, method: str = "metis",
                    seed: int = 0, *, edge_weight=None, node_weight=None, **options) -> torch.Tensor:
    """Return the part of every node as a LongTensor[num_nodes].

    ``method``: "metis" (multilevel k-way), "graclus" (multilevel with graclus
    coarsening), "random" or "stream" (one-pass Fennel). Edges are treated as
    undirected for the cut. ``edge_weight`` [E] and ``node_weight`` [n] or
    [n, ncon] (multi-constraint balance) are honoured by metis/graclus; options
    are passed to the method (e.g. ``imbalance=0.03``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    ei = as_edge_array(edge_index)
    n = check_num_nodes(ei, num_nodes)
    k = check_num_parts(num_parts, n)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    ew = _edge_weight(edge_weight, ei.shape[1])
    nw = _node_weight(node_weight, n)
    if method == "random":
        from .simple import random_partition
        part = random_partition(n, k, seed)
    elif method == "stream":
        from .stream import stream_partition
        part = stream_partition(ei, n, k, seed=seed, **options)
    else:
        from .metis import metis_partition
        if method == "graclus":
            options.setdefault("matching", "graclus")
        part = metis_partition(ei, n, k, seed=seed, edge_weight=ew, node_weight=nw, **options)
    return torch.from_numpy(np.ascontiguousarray(part, dtype=np.int64))
