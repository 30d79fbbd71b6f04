"""Relabelling and per-part CSR construction (pure, numba).

Nodes are relabelled so that every part owns a contiguous id range: new ids are
assigned part by part, in increasing original id inside each part.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
from numba import njit

__all__ = ["relabel", "part_csr", "halo_of"]


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


@njit(cache=True)
def _part_csr(rows, cols, eids, n_rows):
    """Counting sort by row, then cols ascending within a row (ties by edge id)."""
    rowptr = np.zeros(n_rows + 1, np.int64)
    for e in range(rows.shape[0]):
        rowptr[rows[e] + 1] += 1
    for i in range(n_rows):
        rowptr[i + 1] += rowptr[i]
    pos = rowptr[:-1].copy()
    col = np.empty(rows.shape[0], np.int64)
    eid = np.empty(rows.shape[0], np.int64)
    for e in range(rows.shape[0]):
        r = rows[e]
        col[pos[r]] = cols[e]
        eid[pos[r]] = eids[e]
        pos[r] += 1
    for i in range(n_rows):
        a, b = rowptr[i], rowptr[i + 1]
        if b - a > 1:
            order = np.argsort(col[a:b], kind="mergesort")
            col[a:b] = col[a:b][order]
            eid[a:b] = eid[a:b][order]
    return rowptr, col, eid


def part_csr(rows: np.ndarray, cols: np.ndarray, eids: np.ndarray, n_rows: int):
    """CSR over local rows ``rows`` (int64, in [0, n_rows)) with columns ``cols``.

    Returns ``(rowptr int64[n_rows+1], col int64[nnz], edge_ids int64[nnz])``.
    """
    return _part_csr(np.ascontiguousarray(rows, np.int64), np.ascontiguousarray(cols, np.int64),
                     np.ascontiguousarray(eids, np.int64), int(n_rows))


def halo_of(col: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Sorted unique ids of ``col`` outside the owned range ``[lo, hi)``."""
    outside = col[(col < lo) | (col >= hi)]
    return np.unique(outside).astype(np.int64)
