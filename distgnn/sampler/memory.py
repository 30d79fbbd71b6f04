"""Server arrays for an in-memory graph (optionally split into parts)."""
from typing import Optional, Tuple

import numpy as np
import torch

from .csr import _as_int64, in_csr
from .shard_arrays import ShardArrays

__all__ = ["arrays_from_data"]


def _np(t) -> Optional[np.ndarray]:
    if t is None:
        return None
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def _num_nodes(data) -> int:
    n = getattr(data, "num_nodes", None)
    if n is None:
        raise ValueError("expected a graph with a known number of nodes (data.num_nodes), got None")
    return int(n)


def _masks(data, n: int) -> dict:
    out = {}
    keys = getattr(data, "keys", None)
    keys = keys() if callable(keys) else (keys or list(vars(data)))
    for key in keys:
        val = getattr(data, key, None)
        if key.endswith("mask") and isinstance(val, torch.Tensor) and val.dtype == torch.bool \
                and val.dim() == 1 and val.numel() == n:
            out[key] = val.numpy()
    return out


def arrays_from_data(data, assignment=None) -> Tuple[ShardArrays, Optional[np.ndarray]]:
    """``(arrays, orig_ids)`` for a ``Data``; ``orig_ids`` is None without ``assignment``."""
    if getattr(data, "edge_index", None) is None:
        raise ValueError("expected a graph with data.edge_index, got None")
    n = _num_nodes(data)
    ei = _as_int64(data.edge_index, "edge_index")
    x, y, masks = _np(getattr(data, "x", None)), _np(getattr(data, "y", None)), _masks(data, n)
    if y is not None and (y.ndim != 1 or y.shape[0] != n):
        y = None  # only node-level labels are served per node
    if assignment is None:
        rowptr, col, eid = in_csr(ei, n)
        arrays = ShardArrays(np.array([0, n], np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64),
                             rowptr, col, eid, x, y, masks)
        return arrays, None
    part = _as_int64(assignment, "assignment")
    if part.shape != (n,) or (n and part.min() < 0):
        raise ValueError(f"assignment must be non-negative of shape ({n},), got shape {part.shape}")
    k = int(part.max()) + 1 if n else 1
    orig = np.argsort(part, kind="stable").astype(np.int64)
    new = np.empty(n, np.int64)
    new[orig] = np.arange(n)
    ranges = np.concatenate([[0], np.cumsum(np.bincount(part, minlength=k))]).astype(np.int64)
    rowptr, col, eid = in_csr(new[ei], n)
    arrays = ShardArrays(ranges, np.arange(k, dtype=np.int64), ranges[:-1].copy(), rowptr, col, eid,
                         None if x is None else x[orig], None if y is None else y[orig],
                         {m: v[orig] for m, v in masks.items()})
    return arrays, orig
