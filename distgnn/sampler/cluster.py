"""Cluster-GCN batches (Chiang et al. 2019): a few parts with their edges restored.

Parts own contiguous id ranges ``[node_ranges[p], node_ranges[p+1])``. A batch
of chosen parts numbers its nodes part after part, so a global id maps to its
batch position with the part's offset alone -- no hash map.
"""
from typing import List, Optional

import numpy as np
from numba import njit

__all__ = ["batch_offsets", "induced_part_edges", "cluster_groups"]


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
