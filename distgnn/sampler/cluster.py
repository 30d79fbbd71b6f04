"""Cluster-GCN batches (Chiang et al. 2019): a few parts with their edges restored.

Parts own contiguous id ranges ``[node_ranges[p], node_ranges[p+1])``. A batch
of chosen parts numbers its nodes part after part, so a global id maps to its
batch position with the part's offset alone -- no hash map.
"""
from typing import List, Optional

import numpy as np
from numba import njit

__all__ = ["batch_offsets", "induced_part_edges", "cluster_groups", "cluster_adjacency"]


def batch_offsets(node_ranges: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """int64[num_parts]: batch position of each chosen part's first node, -1 elsewhere."""
    off = np.full(node_ranges.shape[0] - 1, -1, np.int64)
    sizes = node_ranges[parts + 1] - node_ranges[parts]
    off[parts] = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return off


@njit(cache=True, nogil=True)
def induced_part_edges(rowptr, col, eid, row_ids, node_ranges, offsets):
    """Edges ``j -> i`` of the rows ``row_ids`` whose source lies in a chosen part.

    Row ``k`` of the CSR is global node ``row_ids[k]``; ``offsets`` comes from
    :func:`batch_offsets`. Returns ``(src, dst, e_id)`` in batch positions.
    """
    nnz = rowptr[-1]
    src = np.empty(nnz, np.int64)
    dst = np.empty(nnz, np.int64)
    out_e = np.empty(nnz, np.int64)
    n = 0
    for k in range(row_ids.shape[0]):
        i = row_ids[k]
        pi = np.searchsorted(node_ranges, i, side="right") - 1
        di = offsets[pi] + i - node_ranges[pi]
        for e in range(rowptr[k], rowptr[k + 1]):
            j = col[e]
            pj = np.searchsorted(node_ranges, j, side="right") - 1
            if offsets[pj] >= 0:
                src[n] = offsets[pj] + j - node_ranges[pj]
                dst[n] = di
                out_e[n] = eid[e]
                n += 1
    return src[:n], dst[:n], out_e[:n]


def cluster_groups(num_parts: int, parts_per_batch: int, shuffle: bool,
                   rng: Optional[np.random.Generator]) -> List[np.ndarray]:
    """Split the parts into batches of ``parts_per_batch`` (the last may be smaller)."""
    order = rng.permutation(num_parts) if shuffle else np.arange(num_parts)
    return [np.sort(order[i:i + parts_per_batch]).astype(np.int64)
            for i in range(0, num_parts, parts_per_batch)]


@njit(cache=True, nogil=True)
def _batch_rows(rowptr, col, node_ranges, offsets):
    """Entries per batch row: the in-edges from chosen parts (self-loops aside) plus one self-loop."""
    n = rowptr.shape[0] - 1
    count = np.empty(n, np.int64)
    for k in range(n):
        c = 1
        for e in range(rowptr[k], rowptr[k + 1]):
            j = col[e]
            pj = np.searchsorted(node_ranges, j, side="right") - 1
            if offsets[pj] >= 0 and offsets[pj] + j - node_ranges[pj] != k:
                c += 1
        count[k] = c
    return count


@njit(cache=True, nogil=True)
def cluster_adjacency(rowptr, col, node_ranges, offsets, loop_value):
    """The normalised adjacency of a cluster batch as CSR, with its transposed layout.

    Row ``k`` of the input CSR (``rowptr``, ``col``: global in-neighbour ids) is
    batch node ``k`` (the chosen parts' rows, part after part in ascending part
    order); ``offsets`` from :func:`batch_offsets`. Keeps the in-edges whose source lies in
    a chosen part, adds one self-loop per row, and weighs row ``i`` by
    ``1 / (deg_i + 1)`` (``deg_i``: its kept in-edges; the self-loop weighs
    ``loop_value / (deg_i + 1)``): :math:`(D + I)^{-1}(A + I) + \\lambda\\,
    \\mathrm{diag}(\\cdot)` of Chiang et al. with ``loop_value = 1 + lambda``.

    Returns ``(rowptr, row, col, value, colptr, csr2csc)`` (int64 / float32): the
    entries of a row in stored order (the self-loop before the first larger
    column), and the CSC layout (entries by column, rows ascending -- torch_sparse's
    ``colptr`` / ``csr2csc``) by counting sort, all O(edges).
    """
    n = rowptr.shape[0] - 1
    count = _batch_rows(rowptr, col, node_ranges, offsets)
    out_ptr = np.zeros(n + 1, np.int64)
    for k in range(n):
        out_ptr[k + 1] = out_ptr[k] + count[k]
    nnz = out_ptr[n]
    out_row = np.empty(nnz, np.int64)
    out_col = np.empty(nnz, np.int64)
    value = np.empty(nnz, np.float32)
    colcount = np.zeros(n + 1, np.int64)
    for k in range(n):
        i = k
        w = np.float32(1.0 / count[k])
        pos = out_ptr[k]
        looped = False
        for e in range(rowptr[k], rowptr[k + 1]):
            j = col[e]
            pj = np.searchsorted(node_ranges, j, side="right") - 1
            if offsets[pj] < 0:
                continue
            s = offsets[pj] + j - node_ranges[pj]
            if s == i:
                continue
            if not looped and s > i:
                out_col[pos] = i
                value[pos] = w * loop_value
                pos += 1
                looped = True
            out_col[pos] = s
            value[pos] = w
            pos += 1
        if not looped:
            out_col[pos] = i
            value[pos] = w * loop_value
            pos += 1
        for e in range(out_ptr[k], out_ptr[k + 1]):
            out_row[e] = i
            colcount[out_col[e] + 1] += 1
    colptr = np.cumsum(colcount)
    cursor = colptr[:-1].copy()
    csr2csc = np.empty(nnz, np.int64)
    for e in range(nnz):
        c = out_col[e]
        csr2csc[cursor[c]] = e
        cursor[c] += 1
    return out_ptr, out_row, out_col, value, colptr, csr2csc
