"""Graclus clustering: greedy normalised-cut matching (Dhillon, Guan & Kulis)."""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from ._validate import as_edge_array, check_num_nodes, to_numpy
from .coarsen import match
from .graph import build_csr

__all__ = ["graclus_cluster"]


def _csr_to_edges(rowptr, col) -> np.ndarray:
    rowptr = to_numpy(rowptr).astype(np.int64)
    col = to_numpy(col).astype(np.int64)
    if rowptr.ndim != 1 or rowptr.shape[0] < 1 or rowptr[-1] != col.shape[0]:
        raise ValueError(f"rowptr must be 1-D with rowptr[-1] == len(col)={col.shape[0]}, "
                         f"got shape {list(rowptr.shape)}")
    row = np.repeat(np.arange(rowptr.shape[0] - 1, dtype=np.int64), np.diff(rowptr))
    return np.stack([row, col])


def graclus_cluster(edge_index=None, weight=None, num_nodes: Optional[int] = None, *,
                    rowptr=None, col=None, seed: int = 0, normalized: bool = True) -> torch.Tensor:
    """Cluster id of every node: matched pairs share the smaller node index.

    Nodes are visited in a seeded random order; an unmatched node is paired with
    the unmatched neighbour that maximises ``w(u, v) * (1/d(u) + 1/d(v))``
    (``d`` the weighted degree; with ``normalized=False`` simply the heaviest
    edge). Give the graph as ``edge_index`` [2, E] or as ``rowptr``/``col``.
    Edges are treated as undirected. Returns a LongTensor[num_nodes].
    """
    if edge_index is None:
        if rowptr is None or col is None:
            raise ValueError("expected edge_index or rowptr and col, got neither")
        ei = _csr_to_edges(rowptr, col)
        num_nodes = int(to_numpy(rowptr).shape[0] - 1)
    else:
        ei = as_edge_array(edge_index)
    n = check_num_nodes(ei, num_nodes)
    w = None
    if weight is not None:
        w = to_numpy(weight).astype(np.float64)
        if w.shape != (ei.shape[1],) or not np.all(np.isfinite(w)):
            raise ValueError(f"weight must be finite with shape [{ei.shape[1]}], got {list(w.shape)}")
        w = np.round(w * (1e6 / max(np.abs(w).max(), 1e-300))).astype(np.int64)
    g = build_csr(ei, n, w)
    mt = match(g, seed, "graclus" if normalized else "heavy_edge", two_hop=False)
    return torch.from_numpy(np.minimum(np.arange(n, dtype=np.int64), mt))
