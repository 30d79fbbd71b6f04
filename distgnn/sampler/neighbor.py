"""Neighbour-sampling kernels (pure numba; no I/O).

``sample_rows`` draws, for every requested row of a CSR, ``fanout`` of its
entries -- all of them for ``fanout < 0``, uniformly without replacement
(Floyd's algorithm) or independently with replacement. The random stream of a
row is keyed by ``(seed, hop, global id)``, so sampling a node gives the same
neighbours whichever part, process or thread serves it.

``relabel`` turns sampled global ids into positions of a growing ``n_id``
list, the relabelling step of a layer-wise (bipartite block) sampler.
"""
from typing import Optional, Tuple

import numpy as np
from numba import njit, prange

from ._rng import key3, next_unit

__all__ = ["sample_counts", "sample_rows", "relabel", "fill_slots", "clear_slots", "unpermute_segments"]


@njit(cache=True, nogil=True)
def sample_counts(rowptr, rows, fanout, replace):
    """Number of entries drawn for each row."""
    counts = np.empty(rows.shape[0], np.int64)
    for i in range(rows.shape[0]):
        deg = rowptr[rows[i] + 1] - rowptr[rows[i]]
        if fanout < 0:
            counts[i] = deg
        elif replace:
            counts[i] = fanout if deg > 0 else 0
        else:
            counts[i] = min(deg, fanout)
    return counts


@njit(cache=True, nogil=True, inline="always")
def _draw_one_row(a, deg, c, replace, state, pos, off):
    """Write ``c`` chosen absolute CSR positions of the row starting at ``a``."""
    if c == deg and not replace:
        for j in range(c):
            pos[off + j] = a + j
        return
    if replace:
        for j in range(c):
            state, u = next_unit(state)
            pos[off + j] = a + min(np.int64(u * deg), deg - 1)
        return
    n = 0
    for j in range(deg - c, deg):  # Floyd: a uniform c-subset of range(deg)
        state, u = next_unit(state)
        t = min(np.int64(u * (j + 1)), j)
        for m in range(n):
            if pos[off + m] == a + t:
                t = j
                break
        pos[off + n] = a + t
        n += 1


@njit(cache=True, nogil=True, parallel=True)
def _fill(rowptr, rows, keys, counts, offsets, replace, seed, hop, pos):
    for i in prange(rows.shape[0]):
        a = rowptr[rows[i]]
        deg = rowptr[rows[i] + 1] - a
        _draw_one_row(a, deg, counts[i], replace, key3(seed, hop, keys[i]), pos, offsets[i])


def sample_rows(rowptr: np.ndarray, col: np.ndarray, eid: Optional[np.ndarray], rows: np.ndarray,
                keys: np.ndarray, fanout: int, replace: bool, seed: int,
                hop: int) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Sample ``fanout`` entries of each row in ``rows``.

    ``keys`` are the rows' global ids (they key the random stream). Returns
    ``(counts, nbr, e_id)``: per-row counts, then the sampled columns and edge
    ids concatenated in row order (``e_id`` None when ``eid`` is None: not wanted).
    """
    counts = sample_counts(rowptr, rows, np.int64(fanout), bool(replace))
    offsets = np.zeros(rows.shape[0] + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    pos = np.empty(offsets[-1], np.int64)
    _fill(rowptr, rows, keys, counts, offsets, bool(replace), np.int64(seed), np.int64(hop), pos)
    return counts, col.take(pos).astype(np.int64, copy=False), None if eid is None else eid.take(pos)


@njit(cache=True, nogil=True)
def fill_slots(n_id, n, slot):
    """Mark the first ``n`` ids of ``n_id`` in the dense map ``slot``."""
    for i in range(n):
        slot[n_id[i]] = i


@njit(cache=True, nogil=True)
def clear_slots(n_id, n, slot):
    """Undo :func:`fill_slots` / :func:`relabel` for the first ``n`` ids."""
    for i in range(n):
        slot[n_id[i]] = -1


@njit(cache=True, nogil=True)
def relabel(n_id, n, nbr, slot):
    """Append unseen ids of ``nbr`` to ``n_id[n:]``; return ``(n_new, local)``.

    ``slot`` maps a global id to its position in ``n_id`` (-1 when absent) and
    must hold the first ``n`` ids on entry; ``n_id`` needs room for
    ``n + len(nbr)`` ids.
    """
    local = np.empty(nbr.shape[0], np.int64)
    for e in range(nbr.shape[0]):
        v = nbr[e]
        s = slot[v]
        if s < 0:
            s = n
            slot[v] = n
            n_id[n] = v
            n += 1
        local[e] = s
    return n, local


@njit(cache=True, nogil=True)
def unpermute_segments(perm, counts_sorted, vals_sorted):
    """Undo a row permutation on segmented values.

    Row ``perm[i]`` of the original order owns segment ``i`` of ``vals_sorted``
    (length ``counts_sorted[i]``). Returns ``(counts, vals)`` in original order.
    """
    m = perm.shape[0]
    counts = np.empty(m, np.int64)
    for i in range(m):
        counts[perm[i]] = counts_sorted[i]
    start = np.zeros(m + 1, np.int64)
    for i in range(m):
        start[i + 1] = start[i] + counts[i]
    vals = np.empty(vals_sorted.shape[0], np.int64)
    k = 0
    for i in range(m):
        dst = start[perm[i]]
        for j in range(counts_sorted[i]):
            vals[dst + j] = vals_sorted[k]
            k += 1
    return counts, vals
