"""The walk kernel of a shard server (pure numba; no I/O).

A server advances a batch of walkers as far as each can go while its current
vertex is held here: every step inside the server's parts happens in one call.
Walker ``k`` carries its walk id, the steps taken, ``cur``, ``prev`` and the
state of its own random stream (keyed by ``(seed, walk id)`` as in
:mod:`distgnn.sampler._walk_kernels`), so the draws a walk makes do not depend
on where it runs: over any split into parts its walk is the one the in-memory
kernel draws for the same seed.

node2vec steps use the same dart board as the in-memory kernel (an upper bound
``M = max(1, 1/q)`` on the weight; no alias tables). The second-order test "is
the proposal ``x`` a neighbour of ``prev``" is answered here when ``prev`` or
``x`` is held (the graph is undirected: ``x ~ prev`` iff ``prev`` is in the row
of ``x``); otherwise the walker stops with a pending query ``(prev, x)`` for the
owner of ``prev`` and resumes, with the answer, where it stopped.
"""
import numpy as np
from numba import njit, prange

from ._rng import key3, next_unit
from ._walk_kernels import has_entry

__all__ = ["advance_walkers", "answer_queries", "walk_states", "FINISHED", "MOVED", "PENDING"]

#: the walker took its last step
FINISHED = 0
#: the walker's current vertex is held by another server
MOVED = 1
#: the walker waits for the answer of its query ``(prev, qx)``
PENDING = 2


@njit(cache=True, nogil=True, inline="always")
def _row(node_ranges, part_index, row_base, v):
    """The local CSR row of global id ``v``, or -1 when ``v`` is not held here."""
    p = np.searchsorted(node_ranges, v, side="right") - 1
    k = part_index[p]
    if k < 0:
        return -1
    return row_base[k] + v - node_ranges[p]


@njit(cache=True, nogil=True, inline="always")
def _adjacent(rowptr, col, node_ranges, part_index, row_base, t, x):
    """1 / 0 when ``x ~ t`` is decided locally, -1 when neither end is held."""
    rt = _row(node_ranges, part_index, row_base, t)
    if rt >= 0:
        return 1 if has_entry(rowptr, col, rt, x) else 0
    rx = _row(node_ranges, part_index, row_base, x)
    if rx >= 0:
        return 1 if has_entry(rowptr, col, rx, t) else 0
    return -1


@njit(cache=True, nogil=True)
def _walk_one(rowptr, col, node_ranges, part_index, row_base, walk_length, inv_p, inv_q,
              k, cur, prev, step, state, qx, qh, qans, trace):
    """Advance walker ``k``; returns ``(status, steps written to trace[k])``."""
    big = max(1.0, inv_q)
    low = min(1.0, inv_q)
    extra = max(0.0, inv_p - big)
    ret = min(inv_p, big)
    n = 0
    while step[k] < walk_length:
        v = cur[k]
        r = _row(node_ranges, part_index, row_base, v)
        if r < 0:
            return MOVED, n
        a = rowptr[r]
        deg = rowptr[r + 1] - a
        if deg == 0:  # stays for good, as in the in-memory kernel
            while step[k] < walk_length:
                trace[k, n] = v
                n += 1
                step[k] += 1
            return FINISHED, n
        t = prev[k]
        s = state[k]
        if t < 0:
            s, u = next_unit(s)
            x = col[a + min(np.int64(u * deg), deg - 1)]
        else:
            area = deg * big + extra
            while True:
                if qans[k] >= 0:  # resume with the owner's answer
                    x, h, adj = qx[k], qh[k], qans[k]
                    qans[k] = -1
                else:
                    s, u = next_unit(s)
                    dart = u * area
                    c = np.int64(dart / big)
                    if c >= deg:
                        x = t
                        break
                    x = col[a + c]
                    h = dart - c * big
                    if x == t:
                        if h < ret:
                            break
                        continue
                    if h < low:
                        break
                    adj = _adjacent(rowptr, col, node_ranges, part_index, row_base, t, x)
                    if adj < 0:
                        state[k], qx[k], qh[k] = s, x, h
                        return PENDING, n
                if adj == 1:
                    if h < 1.0:
                        break
                elif h < inv_q:
                    break
        state[k] = s
        prev[k] = v
        cur[k] = x
        trace[k, n] = x
        n += 1
        step[k] += 1
    return FINISHED, n


@njit(cache=True, nogil=True, parallel=True)
def advance_walkers(rowptr, col, node_ranges, part_index, row_base, walk_length, inv_p, inv_q,
                    cur, prev, step, state, qx, qh, qans):
    """Advance every walker while it stands on a held vertex (arrays updated in place).

    Returns ``(status, count, trace)``: why each walker stopped (:data:`FINISHED`,
    :data:`MOVED`, :data:`PENDING`), how many steps it took here and, in
    ``trace[k, :count[k]]``, the vertices it visited. ``qans[k]`` (-1: none, 0/1)
    answers the query of a walker that stopped :data:`PENDING` (its dart in
    ``qx``/``qh``); rows of ``col`` must be sorted.
    """
    m = cur.shape[0]
    status = np.empty(m, np.int8)
    count = np.empty(m, np.int64)
    trace = np.empty((m, max(walk_length, 1)), np.int64)
    for k in prange(m):
        status[k], count[k] = _walk_one(rowptr, col, node_ranges, part_index, row_base, walk_length,
                                        inv_p, inv_q, k, cur, prev, step, state, qx, qh, qans, trace)
    return status, count, trace


@njit(cache=True, nogil=True)
def answer_queries(rowptr, col, node_ranges, part_index, row_base, t, x):
    """Whether ``x[i]`` is in the row of ``t[i]`` (each ``t[i]`` held here)."""
    out = np.empty(t.shape[0], np.int8)
    for i in range(t.shape[0]):
        r = _row(node_ranges, part_index, row_base, t[i])
        out[i] = 1 if has_entry(rowptr, col, r, x[i]) else 0
    return out


@njit(cache=True, nogil=True)
def walk_states(seeds, walk_ids):
    """The first stream state of walk ``walk_ids[i]`` of seed ``seeds[i]`` (as the in-memory kernels)."""
    out = np.empty(walk_ids.shape[0], np.uint64)
    for i in range(walk_ids.shape[0]):
        out[i] = key3(seeds[i], walk_ids[i], 0)
    return out
