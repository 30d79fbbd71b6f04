"""Greedy k-way boundary refinement under a balance constraint (numba).

Each pass visits the active vertices (boundary vertices that may gain, and all
of overloaded parts) by decreasing gain, ties at random; a vertex moves to the
neighbouring part with the largest gain (cut decrease) if the move keeps every
constraint within its limit, or with zero gain if it improves balance. Vertices
of an overloaded part may move at a loss to the best part with room. A vertex
whose every move loses becomes inactive until a neighbour moves.

Greedy moves stall once the parts that attract vertices are full. Rounds of
one pass under loosened limits followed by passes back under the true limits
then act as many small swaps: gains blocked by balance are taken first, and
the overloaded parts pay them back with their cheapest moves. A round is kept
only if it lowers the cut.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .graph import Graph

__all__ = ["kway_refine", "max_part_weights"]


@njit(cache=True)
def _room(pw, vwgt, u, q, maxpw):
    for c in range(vwgt.shape[1]):
        if pw[q, c] + vwgt[u, c] > maxpw[q, c]:
            return False
    return True


@njit(cache=True)
def _over(pw, p, maxpw):
    for c in range(pw.shape[1]):
        if pw[p, c] > maxpw[p, c]:
            return True
    return False


@njit(cache=True)
def _load(pw, p, maxpw):
    """Largest relative load of part p over its constraints."""
    m = 0.0
    for c in range(pw.shape[1]):
        m = max(m, pw[p, c] / max(maxpw[p, c], 1))
    return m


@njit(cache=True)
def _pass_order(xadj, adj, wgt, part, pw, maxpw, conn, active, iw, ew):
    """Active vertices that may move (boundary with a gain >= 0, or in an
    overloaded part) by decreasing best gain, ties at random; the others are
    made inactive until a neighbour moves. A vertex whose external weight is
    below its internal one (``ew[u] < iw[u]``) cannot gain and is dropped
    without scanning its neighbours."""
    n = xadj.shape[0] - 1
    k = pw.shape[0]
    over = np.zeros(k, np.bool_)
    for p in range(k):
        over[p] = _over(pw, p, maxpw)
    key = np.empty(n, np.int64)
    cand = np.empty(n, np.int64)
    nc = 0
    for u in range(n):
        p = part[u]
        if not active[u] and not over[p]:
            continue
        if not over[p] and ew[u] < iw[u]:
            active[u] = False
            continue
        internal = 0
        best = np.int64(-(1 << 62))
        for e in range(xadj[u], xadj[u + 1]):
            q = part[adj[e]]
            if q == p:
                internal += wgt[e]
            else:
                conn[q] += wgt[e]
        for e in range(xadj[u], xadj[u + 1]):
            q = part[adj[e]]
            if q != p:
                if conn[q] > best:
                    best = conn[q]
                conn[q] = 0
        if over[p]:
            key[nc] = internal - best if best > -(1 << 62) else internal
            cand[nc] = u
            nc += 1
        elif best >= internal:
            key[nc] = internal - best
            cand[nc] = u
            nc += 1
        else:
            active[u] = False
    shuf = np.random.permutation(nc)
    cand = cand[:nc][shuf]
    key = key[:nc][shuf]
    return cand[np.argsort(key, kind="mergesort")]


@njit(cache=True)
def _greedy(xadj, adj, wgt, vwgt, part, k, maxpw, npasses, pw, conn, touched, active, iw, ew):
    """Greedy passes; returns the total gain (cut decrease) of the moves made.
    ``iw`` / ``ew`` (internal / external weight of every vertex) are kept current."""
    ncon = vwgt.shape[1]
    total = 0
    for _ in range(npasses):
        order = _pass_order(xadj, adj, wgt, part, pw, maxpw, conn, active, iw, ew)
        moved = 0
        for i in range(order.shape[0]):
            u = order[i]
            p = part[u]
            nt = 0
            ext = False
            for e in range(xadj[u], xadj[u + 1]):
                q = part[adj[e]]
                if conn[q] == 0:
                    touched[nt] = q
                    nt += 1
                conn[q] += wgt[e]
                if q != p:
                    ext = True
            over = _over(pw, p, maxpw)
            if not over:
                top = np.int64(-1)
                for t in range(nt):
                    q = touched[t]
                    if q != p and conn[q] - conn[p] > top:
                        top = conn[q] - conn[p]
                if top < 0:
                    active[u] = False
            if ext or over:
                best, bgain = -1, np.int64(-(1 << 62))
                for t in range(nt):
                    q = touched[t]
                    if q == p or not _room(pw, vwgt, u, q, maxpw):
                        continue
                    g = conn[q] - conn[p]
                    if g > bgain or (g == bgain and _load(pw, q, maxpw) < _load(pw, best, maxpw)):
                        best, bgain = q, g
                if over and best < 0:
                    lo = 1e300
                    for q in range(k):
                        if q != p and _room(pw, vwgt, u, q, maxpw) and _load(pw, q, maxpw) < lo:
                            best, lo = q, _load(pw, q, maxpw)
                    bgain = conn[best] - conn[p] if best >= 0 else bgain
                ok = best >= 0 and (bgain > 0 or over or
                                    (bgain == 0 and _load(pw, best, maxpw) + 1e-12 < _load(pw, p, maxpw)))
                if ok:
                    for c in range(ncon):
                        pw[p, c] -= vwgt[u, c]
                        pw[best, c] += vwgt[u, c]
                    part[u] = best
                    tot = iw[u] + ew[u]
                    iw[u] = conn[best]
                    ew[u] = tot - conn[best]
                    for e in range(xadj[u], xadj[u + 1]):
                        v = adj[e]
                        if v == u:
                            continue
                        if part[v] == p:
                            iw[v] -= wgt[e]
                            ew[v] += wgt[e]
                        elif part[v] == best:
                            iw[v] += wgt[e]
                            ew[v] -= wgt[e]
                    total += bgain
                    moved += 1
                    for e in range(xadj[u], xadj[u + 1]):
                        active[adj[e]] = True
            for t in range(nt):
                conn[touched[t]] = 0
        if moved == 0:
            break
    return total


@njit(cache=True)
def _weights_in_out(xadj, adj, wgt, part, iw, ew):
    """Internal (same part) and external weight of every vertex."""
    for u in range(xadj.shape[0] - 1):
        a, b = 0, 0
        for e in range(xadj[u], xadj[u + 1]):
            if part[adj[e]] == part[u]:
                a += wgt[e]
            else:
                b += wgt[e]
        iw[u] = a
        ew[u] = b


@njit(cache=True)
def _cut(xadj, adj, wgt, part):
    c = 0
    for u in range(xadj.shape[0] - 1):
        for e in range(xadj[u], xadj[u + 1]):
            if part[adj[e]] != part[u]:
                c += wgt[e]
    return c


@njit(cache=True)
def _feasible(pw, maxpw):
    for p in range(pw.shape[0]):
        if _over(pw, p, maxpw):
            return False
    return True


@njit(cache=True)
def _refine(xadj, adj, wgt, vwgt, part, k, maxpw, npasses, seed, relax, rounds, loose_passes, round_passes,
            tol):
    """Greedy passes; then rounds of (greedy under limits loosened by ``relax``,
    greedy back under ``maxpw``), kept while they lower the cut: the loosened
    pass takes gains that full parts block, the strict one pays for them with
    the cheapest moves out of the overloaded parts (a hill-climbing swap)."""
    n = xadj.shape[0] - 1
    ncon = vwgt.shape[1]
    pw = np.zeros((k, ncon), np.int64)
    for u in range(n):
        for c in range(ncon):
            pw[part[u], c] += vwgt[u, c]
    conn = np.zeros(k, np.int64)
    touched = np.empty(k, np.int64)
    active = np.ones(n, np.bool_)
    iw = np.zeros(n, np.int64)
    ew = np.zeros(n, np.int64)
    _weights_in_out(xadj, adj, wgt, part, iw, ew)
    np.random.seed(seed)
    _greedy(xadj, adj, wgt, vwgt, part, k, maxpw, npasses, pw, conn, touched, active, iw, ew)
    if rounds == 0:
        return part
    loose = maxpw.copy()
    for p in range(k):
        for c in range(ncon):
            loose[p, c] = maxpw[p, c] + max(np.int64(relax * maxpw[p, c]), 1)
    best = part.copy()
    best_pw = pw.copy()
    best_cut = _cut(xadj, adj, wgt, part) // 2
    best_ok = _feasible(pw, maxpw)
    for _ in range(rounds):
        cut = best_cut - _greedy(xadj, adj, wgt, vwgt, part, k, loose, loose_passes, pw, conn, touched, active, iw, ew)
        cut -= _greedy(xadj, adj, wgt, vwgt, part, k, maxpw, round_passes, pw, conn, touched, active, iw, ew)
        ok = _feasible(pw, maxpw)
        if (ok and not best_ok) or (ok == best_ok and cut < best_cut):
            small = ok == best_ok and cut > (1.0 - tol) * best_cut
            best[:] = part
            best_pw[:] = pw
            best_cut, best_ok = cut, ok
            if small:
                break
        else:
            part[:] = best
            pw[:] = best_pw
            break
    return part


def max_part_weights(vwgt: np.ndarray, targets: np.ndarray, imbalance: float) -> np.ndarray:
    """int64[k, ncon] limits: ``(1 + imbalance) * target share * total`` (at least the heaviest vertex fits)."""
    total = vwgt.sum(axis=0).astype(np.float64)
    lim = np.floor((1.0 + imbalance) * targets[:, None] * total[None, :])
    return np.maximum(lim, vwgt.max(axis=0)[None, :]).astype(np.int64)


def kway_refine(g: Graph, part: np.ndarray, k: int, maxpw: np.ndarray, npasses: int = 8,
                seed: int = 0, relax: float = 0.0, rounds: int = 0, loose_passes: int = 1,
                round_passes: int = 2, tol: float = 0.001) -> np.ndarray:
    """Refine ``part`` (modified in place and returned).

    ``npasses`` greedy passes under ``maxpw``; then up to ``rounds`` rounds of
    ``loose_passes`` under ``(1 + relax) * maxpw`` and ``round_passes`` back
    under ``maxpw``, stopping once a round lowers the cut by less than ``tol``
    (relative) and undoing a round that does not lower it.
    """
    return _refine(g.xadj, g.adjncy, g.adjwgt, g.vwgt, part, k, maxpw, npasses, seed, float(relax), int(rounds),
                   int(loose_passes), int(round_passes), float(tol))
