"""Two-way Fiduccia–Mattheyses refinement of a bisection (numba).

A pass moves unlocked vertices one at a time, always the one of largest gain
whose move respects the balance limits, locks it, and finally rolls back to the
prefix of moves with the smallest cut; passes repeat while they improve.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .graph import Graph
from .initial_heap import heap_pop, heap_push

__all__ = ["fm_refine"]


@njit(cache=True)
def _gains(xadj, adj, wgt, part):
    n = xadj.shape[0] - 1
    gain = np.zeros(n, np.int64)
    for u in range(n):
        for e in range(xadj[u], xadj[u + 1]):
            gain[u] += wgt[e] if part[adj[e]] != part[u] else -wgt[e]
    return gain


@njit(cache=True)
def _fits(pw, vwgt, u, q, maxpw):
    for c in range(vwgt.shape[1]):
        if pw[q, c] + vwgt[u, c] > maxpw[q, c]:
            return False
    return True


@njit(cache=True)
def _excess(pw, maxpw):
    s = 0
    for p in range(2):
        for c in range(pw.shape[1]):
            s += max(0, pw[p, c] - maxpw[p, c])
    return s


@njit(cache=True)
def _fm_pass(xadj, adj, wgt, vwgt, part, maxpw, pw, cut, limit):
    n = xadj.shape[0] - 1
    gain = _gains(xadj, adj, wgt, part)
    locked = np.zeros(n, np.bool_)
    cap = 2 * n + min(2 * adj.shape[0], 8 * n) + 1  # bounded: a full heap skips a re-push (gain rechecked on pop)
    hk = np.empty(cap, np.int64)
    hv = np.empty(cap, np.int64)
    size = 0
    for u in range(n):
        if gain[u] > -(1 << 62) and (xadj[u + 1] > xadj[u]):
            size = heap_push(hk, hv, size, gain[u], u)
    moves = np.empty(n, np.int64)
    nm = 0
    best_cut, best_ex, best_nm = cut, _excess(pw, maxpw), 0
    since = 0
    while size > 0 and since < limit:
        g, u, size = heap_pop(hk, hv, size)
        if locked[u] or g != gain[u]:
            continue
        p = part[u]
        q = 1 - p
        ex = _excess(pw, maxpw)
        if not _fits(pw, vwgt, u, q, maxpw) and not (ex > 0 and _over(pw, p, maxpw)):
            continue
        locked[u] = True
        for c in range(vwgt.shape[1]):
            pw[p, c] -= vwgt[u, c]
            pw[q, c] += vwgt[u, c]
        part[u] = q
        cut -= g
        moves[nm] = u
        nm += 1
        for e in range(xadj[u], xadj[u + 1]):
            v = adj[e]
            gain[v] += -2 * wgt[e] if part[v] == q else 2 * wgt[e]
            if not locked[v] and size < cap:
                size = heap_push(hk, hv, size, gain[v], v)
        ex = _excess(pw, maxpw)
        if ex < best_ex or (ex == best_ex and cut < best_cut):
            best_cut, best_ex, best_nm, since = cut, ex, nm, 0
        else:
            since += 1
    for i in range(nm - 1, best_nm - 1, -1):
        u = moves[i]
        p = part[u]
        for c in range(vwgt.shape[1]):
            pw[p, c] -= vwgt[u, c]
            pw[1 - p, c] += vwgt[u, c]
        part[u] = 1 - p
    return best_cut


@njit(cache=True)
def _over(pw, p, maxpw):
    for c in range(pw.shape[1]):
        if pw[p, c] > maxpw[p, c]:
            return True
    return False


@njit(cache=True)
def _fm(xadj, adj, wgt, vwgt, part, maxpw, npasses, limit):
    pw = np.zeros((2, vwgt.shape[1]), np.int64)
    for u in range(xadj.shape[0] - 1):
        for c in range(vwgt.shape[1]):
            pw[part[u], c] += vwgt[u, c]
    cut = 0
    for u in range(xadj.shape[0] - 1):
        for e in range(xadj[u], xadj[u + 1]):
            if part[adj[e]] != part[u]:
                cut += wgt[e]
    cut //= 2
    for _ in range(npasses):
        ex0 = _excess(pw, maxpw)
        new = _fm_pass(xadj, adj, wgt, vwgt, part, maxpw, pw, cut, limit)
        if new >= cut and _excess(pw, maxpw) >= ex0:
            break
        cut = new
    return part


def fm_refine(g: Graph, part: np.ndarray, maxpw: np.ndarray, npasses: int = 8, limit: int = 100) -> np.ndarray:
    """Refine the bisection ``part`` (0/1, modified in place) under limits ``maxpw`` [2, ncon]."""
    return _fm(g.xadj, g.adjncy, g.adjwgt, g.vwgt, part, maxpw, npasses, limit)
