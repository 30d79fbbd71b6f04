"""Size-constrained label propagation (numba): clustering for coarsening and k-way refinement.

Both run over a :class:`~.graph.Graph` whose edge arrays may be memory maps of an
on-disk CSR: every pass reads the rows in blocks of consecutive vertices (the
blocks in a random order, the edges of a block read sequentially), and the state
is O(num_nodes): a label per vertex, the weight of every label and one rating
array (Meyerhenke, Sanders & Schulz, "Partitioning complex networks via
size-constrained clustering", SEA 2014; KaMinPar, Gottesbüren et al., ESA 2021).

* :func:`lp_cluster`: every vertex joins the neighbouring cluster it is most
  strongly connected to among those whose weight stays at most ``max_weight``.
  Vertices left alone whose favourite cluster was full are paired with others
  of the same favourite (two-hop clustering); vertices without neighbours are
  packed together.
* :func:`lp_refine`: every vertex moves to the neighbouring part it is most
  strongly connected to where that lowers the cut and the part stays within its
  limit.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
from numba import njit

from .graph import Graph

__all__ = ["lp_cluster", "lp_refine", "BLOCK"]

#: vertices per block of a pass (a pass visits the blocks in a random order)
BLOCK = 4096


@njit(cache=True)
def _hash(x):
    x = (x ^ (x >> 33)) * 0xFF51AFD7ED558CCD
    x = (x ^ (x >> 33)) * 0xC4CEB9FE1A85EC53
    return x ^ (x >> 33)


@njit(cache=True)
def _cluster_pass(xadj, adj, wgt, vw, label, lw, maxw, blocks, block, rating, touched, favored, seed):
    n = xadj.shape[0] - 1
    moved = 0
    for b in blocks:
        for u in range(b * block, min((b + 1) * block, n)):
            if xadj[u + 1] == xadj[u]:
                continue
            nt = 0
            for e in range(xadj[u], xadj[u + 1]):
                c = label[adj[e]]
                if rating[c] == 0:
                    touched[nt] = c
                    nt += 1
                rating[c] += wgt[e]
            own = label[u]
            best, br, fav, fr = own, rating[own], own, rating[own]
            for t in range(nt):
                c = touched[t]
                r = rating[c]
                if c != own and r > fr:
                    fav, fr = c, r
                if c != own and (r > br or (r == br and c != best and (_hash(seed + u * 31 + c) & 1))):
                    if lw[c] + vw[u] <= maxw:
                        best, br = c, r
                rating[c] = 0
            favored[u] = fav
            if best != own:
                lw[own] -= vw[u]
                lw[best] += vw[u]
                label[u] = best
                moved += 1
    return moved


@njit(cache=True)
def _two_hop(xadj, vw, label, lw, maxw, favored, leader):
    """Vertices alone in their cluster whose favourite was another cluster join the first such vertex of
    the same favourite (while the weight allows); vertices without neighbours are packed in order."""
    n = label.shape[0]
    leader[:] = -1
    iso = -1
    for u in range(n):
        if label[u] != u or lw[u] != vw[u]:
            continue
        f = favored[u] if xadj[u + 1] > xadj[u] else -2
        if f == u:
            continue
        if f == -2:
            if iso >= 0 and lw[iso] + vw[u] <= maxw:
                lw[u] -= vw[u]
                label[u] = iso
                lw[iso] += vw[u]
            else:
                iso = u
            continue
        v = leader[f]
        if v >= 0 and lw[v] + vw[u] <= maxw:
            lw[u] -= vw[u]
            label[u] = v
            lw[v] += vw[u]
        else:
            leader[f] = u


@njit(cache=True)
def _compact(label, cmap):
    """Coarse ids 0..nc-1 in the order of the labels' first vertices; ``cmap[u]`` the id of u's cluster."""
    n = label.shape[0]
    cmap[:] = -1
    nc = 0
    for u in range(n):
        c = label[u]
        if cmap[c] < 0:
            cmap[c] = nc
            nc += 1
    for u in range(n):
        label[u] = cmap[label[u]]
    return nc


def _blocks(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(-(-n // BLOCK)).astype(np.int64)


def _max_degree(xadj: np.ndarray) -> int:
    deg, step = 0, 1 << 24
    for a in range(0, xadj.shape[0] - 1, step):
        deg = max(deg, int(np.diff(np.asarray(xadj[a:a + step + 1])).max(initial=0)))
    return deg


def lp_cluster(g: Graph, max_weight: int, passes: int = 5, seed: int = 0,
               min_moved: float = 0.01) -> Tuple[np.ndarray, int]:
    """``(cmap, nc)``: the cluster id (0..nc-1) of every vertex, clusters weighing at most ``max_weight``
    (a vertex heavier than that stays alone). Stops after ``passes`` passes or once a pass moves fewer than
    ``min_moved`` of the vertices."""
    n = g.num_nodes
    vw = g.vwgt[:, 0]
    rng = np.random.default_rng(seed)
    label = np.arange(n, dtype=np.int64)
    lw = np.ascontiguousarray(vw, np.int64).copy()
    rating = np.zeros(n, np.int64)
    favored = np.arange(n, dtype=np.int64)
    touched = np.empty(max(_max_degree(g.xadj), 1), np.int64)
    for _ in range(int(passes)):
        moved = _cluster_pass(g.xadj, g.adjncy, g.adjwgt, vw, label, lw, int(max_weight), _blocks(n, rng), BLOCK,
                              rating, touched, favored, int(rng.integers(2**62)))
        if moved < min_moved * n:
            break
    del touched
    _two_hop(g.xadj, vw, label, lw, int(max_weight), favored, rating)
    del favored, lw
    nc = _compact(label, rating)
    return label, int(nc)


@njit(cache=True)
def _refine_pass(xadj, adj, wgt, vw, part, pw, maxpw, blocks, block, conn, touched, seed):
    n = xadj.shape[0] - 1
    moved = 0
    gain = 0
    for b in blocks:
        for u in range(b * block, min((b + 1) * block, n)):
            if xadj[u + 1] == xadj[u]:
                continue
            own = part[u]
            nt = 0
            boundary = False
            for e in range(xadj[u], xadj[u + 1]):
                q = part[adj[e]]
                if q != own:
                    boundary = True
                if conn[q] == 0:
                    touched[nt] = q
                    nt += 1
                conn[q] += wgt[e]
            if boundary:
                best, bc = own, conn[own]
                for t in range(nt):
                    q = touched[t]
                    c = conn[q]
                    if q != own and pw[q] + vw[u] <= maxpw[q] and (
                            c > bc or (c == bc and best != own and (_hash(seed + u * 31 + q) & 1))):
                        best, bc = q, c
                if best != own:
                    gain += bc - conn[own]
                    pw[own] -= vw[u]
                    pw[best] += vw[u]
                    part[u] = best
                    moved += 1
            for t in range(nt):
                conn[touched[t]] = 0
    return moved, gain


@njit(cache=True)
def _rebalance_pass(xadj, adj, wgt, vw, part, pw, maxpw, blocks, block, conn, touched, max_loss):
    """Vertices of overloaded parts move, while their part is over its limit, to the part with room they are
    most connected to (the lightest part when no neighbour's part has room) where that raises the cut by at
    most ``max_loss``; returns (vertices moved, the cut's increase)."""
    n = xadj.shape[0] - 1
    k = pw.shape[0]
    moved = 0
    loss = 0
    for b in blocks:
        for u in range(b * block, min((b + 1) * block, n)):
            own = part[u]
            if pw[own] <= maxpw[own]:
                continue
            nt = 0
            for e in range(xadj[u], xadj[u + 1]):
                q = part[adj[e]]
                if conn[q] == 0:
                    touched[nt] = q
                    nt += 1
                conn[q] += wgt[e]
            best, bc = -1, -1
            for t in range(nt):
                q = touched[t]
                if q != own and pw[q] + vw[u] <= maxpw[q] and conn[q] > bc:
                    best, bc = q, conn[q]
            if best < 0:
                light = 0
                for q in range(k):
                    if pw[q] * maxpw[light] < pw[light] * maxpw[q]:
                        light = q
                if light != own and pw[light] + vw[u] <= maxpw[light]:
                    best, bc = light, conn[light]
            if best >= 0 and conn[own] - bc <= max_loss:
                loss += conn[own] - bc
                pw[own] -= vw[u]
                pw[best] += vw[u]
                part[u] = best
                moved += 1
            for t in range(nt):
                conn[touched[t]] = 0
    return moved, loss


def _rebalance(g: Graph, part, pw, limit, rng, conn, touched) -> int:
    """Passes of :func:`_rebalance_pass` with a growing allowed loss until no part is over its limit;
    returns the cut's increase."""
    vw = g.vwgt[:, 0]
    loss = 0
    for max_loss in [0, 1, 2, 4, 8, 16, 64, 256, 4096, 1 << 62]:
        if not np.any(pw > limit):
            break
        _, lost = _rebalance_pass(g.xadj, g.adjncy, g.adjwgt, vw, part, pw, limit, _blocks(g.num_nodes, rng), BLOCK,
                                  conn, touched, max_loss)
        loss += lost
    return loss


def _strict_passes(g: Graph, part, pw, limit, passes: int, min_moved: float, rng, conn, touched) -> int:
    vw = g.vwgt[:, 0]
    gain = 0
    for _ in range(int(passes)):
        moved, got = _refine_pass(g.xadj, g.adjncy, g.adjwgt, vw, part, pw, limit, _blocks(g.num_nodes, rng), BLOCK,
                                  conn, touched, int(rng.integers(2**62)))
        gain += got
        if moved < min_moved * g.num_nodes:
            break
    return gain


def lp_refine(g: Graph, part: np.ndarray, k: int, maxpw: np.ndarray, passes: int = 3, seed: int = 0,
              min_moved: float = 0.001, rounds: int = 2, relax: float = 0.3) -> np.ndarray:
    """Refine ``part`` (int64[n], modified in place and returned) by label propagation over the parts.

    Parts over their limit ``maxpw`` (int64[k]) are first relieved of vertices (the moves that raise the cut
    least first); then ``passes`` passes of the moves that lower the cut and keep every part within its
    limit (fewer once a pass moves fewer than ``min_moved`` of the vertices). Moves blocked by full parts
    are then taken in up to ``rounds`` rounds: a pass under the limits loosened by ``relax``, the
    overloaded parts relieved at the least cost, a strict pass; a round that does not lower the cut is
    undone and ends the refinement.
    """
    rng = np.random.default_rng(seed)
    vw = g.vwgt[:, 0]
    pw = np.bincount(part, weights=np.asarray(vw, np.float64), minlength=k).round().astype(np.int64)
    conn = np.zeros(k, np.int64)
    touched = np.empty(k, np.int64)
    limit = np.ascontiguousarray(maxpw, np.int64).reshape(k)
    loose = limit + np.maximum((relax * limit).astype(np.int64), 1)
    _rebalance(g, part, pw, limit, rng, conn, touched)
    if passes == 0:
        return part
    _strict_passes(g, part, pw, limit, passes, min_moved, rng, conn, touched)
    for _ in range(int(rounds)):
        keep, keep_pw = part.copy(), pw.copy()
        gain = _strict_passes(g, part, pw, loose, 1, 0.0, rng, conn, touched)
        gain -= _rebalance(g, part, pw, limit, rng, conn, touched)
        gain += _strict_passes(g, part, pw, limit, 1, 0.0, rng, conn, touched)
        if gain <= 0 or np.any(pw > limit):
            part[:], pw[:] = keep, keep_pw
            break
    return part
