"""Checks on user input shared by the partitioners, the store and ingest.

Every check raises a ``ValueError`` / ``TypeError`` naming what was expected and
what came, so the command line can report it and nothing gets written.
"""
from __future__ import annotations

from typing import Optional, Tuple

import sys

import numpy as np

from distgnn.errors import InputTypeError

__all__ = ["id_dtype", "as_edge_array", "check_num_nodes", "check_num_parts", "check_node_array",
           "check_features", "check_assignment", "to_numpy"]


def id_dtype(num_nodes: int) -> np.dtype:
    """The dtype of node ids: int32 below 2**31 nodes, else int64."""
    return np.dtype(np.int32) if int(num_nodes) < 1 << 31 else np.dtype(np.int64)


def to_numpy(a) -> np.ndarray:
    """Return ``a`` (tensor, array or sequence) as a NumPy array without copying if possible."""
    torch = sys.modules.get("torch")  # a tensor exists only where torch was imported
    if torch is not None and isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def as_edge_array(edge_index, name: str = "edge_index") -> np.ndarray:
    """Return ``edge_index`` as an int64 array of shape [2, E], checking dtype and shape."""
    ei = to_numpy(edge_index)
    if ei.ndim != 2 or ei.shape[0] != 2:
        raise ValueError(f"{name} must have shape [2, num_edges], got {list(ei.shape)}")
    if ei.dtype == np.bool_ or not (np.issubdtype(ei.dtype, np.integer)):
        if np.issubdtype(ei.dtype, np.floating) and ei.size and np.all(np.isfinite(ei)) \
                and np.all(ei == np.round(ei)):
            raise InputTypeError(f"{name} must hold integer node ids, got dtype {ei.dtype} "
                            "(convert whole-valued floats with .long() first)")
        raise InputTypeError(f"{name} must hold integer node ids, got dtype {ei.dtype}")
    return np.ascontiguousarray(ei, dtype=np.int64)


def check_num_nodes(edge_index: np.ndarray, num_nodes: Optional[int]) -> int:
    """Infer or check ``num_nodes`` against the ids in ``edge_index`` (int64 [2, E])."""
    if num_nodes is not None and (isinstance(num_nodes, bool) or not isinstance(num_nodes, (int, np.integer))):
        raise InputTypeError(f"num_nodes must be an int, got {type(num_nodes).__name__}")
    if edge_index.shape[1]:
        lo, hi = int(edge_index.min()), int(edge_index.max())
        if lo < 0:
            raise ValueError(f"node ids must be >= 0, got {lo}")
    else:
        hi = -1
    if num_nodes is None:
        num_nodes = hi + 1
    num_nodes = int(num_nodes)
    if hi >= num_nodes:
        raise ValueError(f"node ids must be < num_nodes={num_nodes}, got {hi}")
    if num_nodes <= 0:
        raise ValueError(f"graph is empty: expected at least one node, got num_nodes={num_nodes}")
    return num_nodes


def check_num_parts(num_parts, num_nodes: int) -> int:
    """Check 1 <= num_parts <= num_nodes."""
    if isinstance(num_parts, bool) or not isinstance(num_parts, (int, np.integer)):
        raise InputTypeError(f"num_parts must be an int, got {type(num_parts).__name__}")
    if not 1 <= int(num_parts) <= num_nodes:
        raise ValueError(f"num_parts must be in [1, num_nodes={num_nodes}], got {num_parts}")
    return int(num_parts)


def check_node_array(a, num_nodes: int, name: str, dtype=None) -> np.ndarray:
    """Check a per-node array has ``num_nodes`` rows."""
    arr = to_numpy(a)
    if arr.ndim == 0 or arr.shape[0] != num_nodes:
        raise ValueError(f"{name} must have num_nodes={num_nodes} rows, got shape {list(arr.shape)}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def check_features(x, num_nodes: int, name: str = "x") -> np.ndarray:
    """Check node features: float, [num_nodes, F] (or [num_nodes]), finite; returns float32 2-D."""
    arr = check_node_array(x, num_nodes, name)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise InputTypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape [num_nodes, F], got {list(arr.shape)}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.nonzero(bad.any(axis=1))[0][0])
        raise ValueError(f"{name} must be finite, got NaN/inf (first in row {row})")
    return arr


def check_assignment(assignment, num_nodes: int, num_parts: Optional[int] = None) -> Tuple[np.ndarray, int]:
    """Check a node -> part vector; returns it as int64 and the number of parts."""
    a = check_node_array(assignment, num_nodes, "assignment")
    if not np.issubdtype(a.dtype, np.integer) or a.ndim != 1:
        raise InputTypeError(f"assignment must be a 1-D integer vector, got dtype {a.dtype} shape {list(a.shape)}")
    a = a.astype(np.int64, copy=False)
    lo, hi = int(a.min()), int(a.max())
    k = hi + 1 if num_parts is None else int(num_parts)
    if lo < 0 or hi >= k:
        raise ValueError(f"assignment values must be in [0, {k}), got range [{lo}, {hi}]")
    return a, k
