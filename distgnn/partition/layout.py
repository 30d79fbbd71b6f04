"""Relabelling: every part owns a contiguous range of node ids (pure).

New ids are assigned part by part, in increasing original id inside each part.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

__all__ = ["relabel"]


def relabel(assignment: np.ndarray, num_parts: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(node_ranges int64[k+1], orig_ids int64[n], new_of int64[n])``.

    ``orig_ids[new] = orig`` and ``new_of[orig] = new``; part p owns
    ``[node_ranges[p], node_ranges[p+1])``.
    """
    counts = np.bincount(assignment, minlength=num_parts).astype(np.int64)
    node_ranges = np.zeros(num_parts + 1, np.int64)
    np.cumsum(counts, out=node_ranges[1:])
    orig_ids = np.argsort(assignment, kind="stable").astype(np.int64)
    new_of = np.empty_like(orig_ids)
    new_of[orig_ids] = np.arange(orig_ids.shape[0], dtype=np.int64)
    return node_ranges, orig_ids, new_of
