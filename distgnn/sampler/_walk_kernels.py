"""Random-walk kernels (pure numba; no I/O).

Walk ``w`` draws from its own counter-based stream keyed by ``(seed, w)``, so
results are reproducible and independent of thread scheduling.

node2vec (Grover & Leskovec 2016) moves from ``v`` (previous node ``t``) to a
neighbour ``x`` with probability proportional to ``1/p`` if ``x == t``, ``1``
if ``x`` is a neighbour of ``t`` and ``1/q`` otherwise. It is sampled exactly
by rejection: a uniform neighbour is proposed and accepted with probability
``min(w(x), M) / M`` where ``M = max(1, 1/q)``; the part of the return weight
above ``M`` is an extra area of the dart board that always lands on ``t``.
Darts below ``min(1, 1/q)`` accept without testing adjacency, which is a
binary search in ``t``'s sorted row.
"""
import numpy as np
from numba import njit, prange

from ._rng import key3, next_unit

__all__ = ["uniform_walks", "node2vec_walks", "metapath_walks", "has_entry", "has_entries"]


# Walks advance in groups of _K in lockstep: their memory loads are
# independent, so the CPU overlaps the cache misses of a whole group.
_K = 16


@njit(cache=True, nogil=True, inline="always")
def _group_init(start, out, lo, hi, seed, states, cur, prev):
    for w in range(lo, hi):
        states[w - lo] = key3(seed, w, 0)
        cur[w - lo] = start[w]
        prev[w - lo] = -1
        out[w, 0] = start[w]


@njit(cache=True, nogil=True, parallel=True)
def uniform_walks(rowptr, col, start, walk_length, seed):
    """Uniform walks; a node without neighbours repeats itself."""
    m = start.shape[0]
    out = np.empty((m, walk_length + 1), np.int64)
    for g in prange((m + _K - 1) // _K):
        lo = g * _K
        hi = min(m, lo + _K)
        states = np.empty(_K, np.uint64)
        cur = np.empty(_K, np.int64)
        prev = np.empty(_K, np.int64)
        _group_init(start, out, lo, hi, seed, states, cur, prev)
        for s in range(1, walk_length + 1):
            for k in range(hi - lo):
                v = cur[k]
                a = rowptr[v]
                deg = rowptr[v + 1] - a
                if deg > 0:
                    states[k], u = next_unit(states[k])
                    v = col[a + min(np.int64(u * deg), deg - 1)]
                    cur[k] = v
                out[lo + k, s] = v
    return out


@njit(cache=True, nogil=True, inline="always")
def has_entry(rowptr, col, r, x):
    """True when ``x`` is among the (sorted) columns of row ``r``."""
    lo = rowptr[r]
    hi = rowptr[r + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if col[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo < rowptr[r + 1] and col[lo] == x


@njit(cache=True, nogil=True, inline="always")
def _node2vec_step(rowptr, col, t, v, state, inv_p, inv_q):
    a = rowptr[v]
    deg = rowptr[v + 1] - a
    big = max(1.0, inv_q)
    low = min(1.0, inv_q)
    extra = max(0.0, inv_p - big)
    ret = min(inv_p, big)
    area = deg * big + extra
    while True:
        state, u = next_unit(state)
        dart = u * area
        c = np.int64(dart / big)
        if c >= deg:
            return state, t
        x = col[a + c]
        h = dart - c * big
        if x == t:
            if h < ret:
                return state, x
        elif h < low:
            return state, x
        elif has_entry(rowptr, col, t, x):
            if h < 1.0:
                return state, x
        elif h < inv_q:
            return state, x


@njit(cache=True, nogil=True, parallel=True)
def node2vec_walks(rowptr, col, start, walk_length, inv_p, inv_q, seed):
    """Second-order walks; rows of ``col`` must be sorted."""
    m = start.shape[0]
    out = np.empty((m, walk_length + 1), np.int64)
    for g in prange((m + _K - 1) // _K):
        lo = g * _K
        hi = min(m, lo + _K)
        states = np.empty(_K, np.uint64)
        cur = np.empty(_K, np.int64)
        prev = np.empty(_K, np.int64)
        _group_init(start, out, lo, hi, seed, states, cur, prev)
        for s in range(1, walk_length + 1):
            for k in range(hi - lo):
                v = cur[k]
                a = rowptr[v]
                deg = rowptr[v + 1] - a
                if deg > 0:
                    t = prev[k]
                    if t < 0:
                        states[k], u = next_unit(states[k])
                        x = col[a + min(np.int64(u * deg), deg - 1)]
                    else:
                        states[k], x = _node2vec_step(rowptr, col, t, v, states[k], inv_p, inv_q)
                    prev[k] = v
                    cur[k] = x
                    v = x
                out[lo + k, s] = v
    return out


@njit(cache=True, nogil=True, parallel=True)
def metapath_walks(rowptrs, cols, row_base, col_base, path, start, walk_length, seed):
    """Walks following relation ``path[s % len(path)]`` at step ``s``.

    Relation ``r`` owns ``rowptrs[row_base[r]:row_base[r+1]]`` and
    ``cols[col_base[r]:col_base[r+1]]``. A walk stuck at a node without
    neighbours of the next relation is padded with -1.
    """
    m = start.shape[0]
    out = np.full((m, walk_length + 1), -1, np.int64)
    plen = path.shape[0]
    for w in prange(m):
        state = key3(seed, w, 1)
        v = start[w]
        out[w, 0] = v
        for s in range(walk_length):
            r = path[s % plen]
            rp = row_base[r]
            a = rowptrs[rp + v]
            deg = rowptrs[rp + v + 1] - a
            if deg == 0:
                break
            state, u = next_unit(state)
            v = cols[col_base[r] + a + min(np.int64(u * deg), deg - 1)]
            out[w, s + 1] = v
    return out


@njit(cache=True, nogil=True)
def has_entries(rowptr, col, rows, x):
    """``has_entry`` for many (row, value) pairs."""
    out = np.empty(rows.shape[0], np.bool_)
    for i in range(rows.shape[0]):
        out[i] = has_entry(rowptr, col, rows[i], x[i])
    return out
