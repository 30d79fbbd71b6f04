"""Compressed sparse rows from an edge list (numpy + numba, no I/O)."""
from typing import Tuple

import numpy as np
import torch
from numba import njit

__all__ = ["csr_from_edges", "in_csr", "out_csr", "rows_sorted", "sort_rows"]


@njit(cache=True, nogil=True)
def _counting_sort(rows, cols, n):
    deg = np.zeros(n + 1, np.int64)
    for r in rows:
        deg[r + 1] += 1
    rowptr = np.cumsum(deg)
    fill = rowptr[:-1].copy()
    col = np.empty(rows.shape[0], np.int64)
    perm = np.empty(rows.shape[0], np.int64)
    for e in range(rows.shape[0]):
        k = fill[rows[e]]
        fill[rows[e]] = k + 1
        col[k] = cols[e]
        perm[k] = e
    return rowptr, col, perm


@njit(cache=True, nogil=True)
def rows_sorted(rowptr, col):
    """True when every row's column indices are non-decreasing."""
    for r in range(rowptr.shape[0] - 1):
        for k in range(rowptr[r] + 1, rowptr[r + 1]):
            if col[k] < col[k - 1]:
                return False
    return True


@njit(cache=True, nogil=True)
def sort_rows(rowptr, col, perm):
    """Sort each row's columns in place, carrying ``perm`` along."""
    for r in range(rowptr.shape[0] - 1):
        a, b = rowptr[r], rowptr[r + 1]
        ok = True
        for k in range(a + 1, b):
            if col[k] < col[k - 1]:
                ok = False
                break
        if not ok:
            order = np.argsort(col[a:b], kind="mergesort")
            col[a:b] = col[a:b][order]
            perm[a:b] = perm[a:b][order]


def _as_int64(a, name: str) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    a = np.asarray(a)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {a.dtype}")
    return np.ascontiguousarray(a, dtype=np.int64)


def csr_from_edges(rows, cols, num_rows: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group the pairs ``(rows[e], cols[e])`` by row.

    Returns ``(rowptr, col, perm)``: int64 arrays, each row's columns sorted,
    ``perm[k]`` the position in the input of the k-th stored entry (the edge id).
    """
    rows = _as_int64(rows, "rows")
    cols = _as_int64(cols, "cols")
    if rows.shape != cols.shape or rows.ndim != 1:
        raise ValueError(f"rows and cols must be 1-D of equal length, got {rows.shape} and {cols.shape}")
    if rows.size and (min(rows.min(), cols.min()) < 0 or max(rows.max(), cols.max()) >= num_rows):
        raise ValueError(f"edge indices must lie in [0, {num_rows}), got range "
                         f"[{min(rows.min(), cols.min())}, {max(rows.max(), cols.max())}]")
    rowptr, col, perm = _counting_sort(rows, cols, int(num_rows))
    sort_rows(rowptr, col, perm)
    return rowptr, col, perm


def _check_edge_index(edge_index) -> np.ndarray:
    ei = _as_int64(edge_index, "edge_index")
    if ei.ndim != 2 or ei.shape[0] != 2:
        raise ValueError(f"edge_index must have shape [2, E], got {tuple(ei.shape)}")
    return ei


def in_csr(edge_index, num_nodes: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each target i, its sources j (edge j -> i): CSR of the transposed adjacency."""
    ei = _check_edge_index(edge_index)
    return csr_from_edges(ei[1], ei[0], num_nodes)


def out_csr(edge_index, num_nodes: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each source i, its targets j (edge i -> j)."""
    ei = _check_edge_index(edge_index)
    return csr_from_edges(ei[0], ei[1], num_nodes)
