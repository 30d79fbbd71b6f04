"""One sequential pass over a whole-graph CSR, routing every row to its part (pure, numba).

A store's part ``p`` holds its owned rows in new-id order, and new ids follow
the original ids inside a part (:func:`~distgnn.partition.layout.relabel`), so
reading the CSR's rows in original order and appending each row to its part's
output already gives every part's rows in store order. :func:`route_rows`
handles one range of rows: it relabels the columns, sorts each row, groups
the entries by part (scan order inside a part), counts the edges that come
from outside the part and marks those sources in a per-part bitmap, from
which :func:`halo_from_bitmap` reads the sorted halo ids. Memory: the chunk,
plus ``num_parts * num_nodes / 8`` bytes of bitmap — never a copy of the
graph, never a random read into the memory-mapped CSR.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from numba import njit

__all__ = ["route_rows", "halo_from_bitmap", "new_bitmap"]

_INSERTION = 32  # rows up to this length are sorted by insertion (stable), longer ones by mergesort


@njit(cache=True)
def _sort_row(col, eid, a, b, with_eid):
    """Sort ``col[a:b]`` ascending, stable (equal ids keep their order), carrying ``eid`` along."""
    d = b - a
    if d <= 1:
        return
    if d <= _INSERTION:
        for i in range(a + 1, b):
            c = col[i]
            e = eid[i] if with_eid else 0
            j = i - 1
            while j >= a and col[j] > c:
                col[j + 1] = col[j]
                if with_eid:
                    eid[j + 1] = eid[j]
                j -= 1
            col[j + 1] = c
            if with_eid:
                eid[j + 1] = e
        return
    order = np.argsort(col[a:b], kind="mergesort")
    col[a:b] = col[a:b][order]
    if with_eid:
        eid[a:b] = eid[a:b][order]


@njit(cache=True)
def _route(rowptr, col, base, assign, new_of, ranges, bitmap, out_col, out_eid, with_eid):
    k = ranges.shape[0] - 1
    n_rows = rowptr.shape[0] - 1
    offsets = np.zeros(k + 1, np.int64)
    for r in range(n_rows):
        offsets[assign[r] + 1] += rowptr[r + 1] - rowptr[r]
    for p in range(k):
        offsets[p + 1] += offsets[p]
    pos = offsets[:-1].copy()
    cut = np.zeros(k, np.int64)
    e0 = rowptr[0]
    for r in range(n_rows):
        p = assign[r]
        a, b = rowptr[r] - e0, rowptr[r + 1] - e0
        o = pos[p]
        lo, hi = ranges[p], ranges[p + 1]
        for e in range(a, b):
            j = new_of[col[e]]
            out_col[o + e - a] = j
            if with_eid:
                out_eid[o + e - a] = base + e
            if j < lo or j >= hi:
                cut[p] += 1
                bitmap[p, j >> 3] |= np.uint8(1 << (j & 7))
        _sort_row(out_col, out_eid, o, o + b - a, with_eid)
        pos[p] = o + b - a
    return offsets, cut


def new_bitmap(num_parts: int, num_nodes: int) -> np.ndarray:
    """A zeroed uint8[num_parts, ceil(num_nodes / 8)] halo bitmap (bit j of row p: node j is in p's halo)."""
    return np.zeros((int(num_parts), (int(num_nodes) + 7) // 8), np.uint8)


def route_rows(rowptr: np.ndarray, col: np.ndarray, base: int, assign: np.ndarray, new_of: np.ndarray,
               ranges: np.ndarray, bitmap: np.ndarray, ids: np.dtype,
               with_eid: bool) -> Tuple[np.ndarray, Optional[np.ndarray], np.ndarray, np.ndarray]:
    """Route the rows of one CSR chunk to their parts.

    Args:
        rowptr: int64[r+1] offsets of the chunk's rows into the whole CSR (``rowptr[0]`` is the
            position of the chunk's first entry; ``col`` holds entries ``rowptr[0]:rowptr[-1]``).
        col: the chunk's column ids (original ids); ``base``: position of ``col[0]`` (edge id).
        assign: part of each of the chunk's rows; ``new_of``: original -> new id, whole graph.
        ranges: int64[k+1] node ranges of the parts (new ids); ``bitmap``: see :func:`new_bitmap`,
            updated in place with the halo of each part.
        ids: dtype of the relabelled columns; ``with_eid``: also return edge ids.
    Returns ``(col, eid or None, offsets int64[k+1], cut int64[k])``: entries of part ``p`` are
    ``col[offsets[p]:offsets[p+1]]``, relabelled and sorted per row, rows in scan order.
    """
    m = int(rowptr[-1] - rowptr[0])
    out_col = np.empty(m, ids)
    out_eid = np.empty(m if with_eid else 0, np.int64)
    offsets, cut = _route(np.ascontiguousarray(rowptr, np.int64), np.ascontiguousarray(col), int(base),
                          np.ascontiguousarray(assign), new_of, np.ascontiguousarray(ranges, np.int64),
                          bitmap, out_col, out_eid, bool(with_eid))
    return out_col, (out_eid if with_eid else None), offsets, cut


def halo_from_bitmap(bitmap_row: np.ndarray, num_nodes: int) -> np.ndarray:
    """int64 sorted ids whose bit is set in one part's row of the halo bitmap."""
    bits = np.unpackbits(bitmap_row, bitorder="little", count=int(num_nodes))
    return np.flatnonzero(bits).astype(np.int64)
