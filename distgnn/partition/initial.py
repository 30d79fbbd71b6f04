"""Initial k-way partition of the coarsest graph by recursive bisection.

Each bisection grows part 0 from a random seed vertex, always adding the
frontier vertex with the largest gain (greedy graph growing), until it holds its
target share of the first weight constraint; the best of several tries after
2-way greedy refinement is kept, and both halves are bisected again.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .graph import Graph, edge_cut
from .fm import fm_refine
from .initial_heap import heap_pop, heap_push
from .refine import max_part_weights

__all__ = ["grow_bisection", "multilevel_bisection", "recursive_bisection"]


@njit(cache=True)
def _grow(xadj, adj, wgt, vw, target, start, seed):
    """part[u] = 0 for the grown region, 1 elsewhere."""
    n = xadj.shape[0] - 1
    part = np.ones(n, np.int64)
    gain = np.zeros(n, np.int64)
    for u in range(n):
        for e in range(xadj[u], xadj[u + 1]):
            gain[u] -= wgt[e]
    cap = adj.shape[0] + 2 * n + 1
    hk = np.empty(cap, np.int64)
    hv = np.empty(cap, np.int64)
    size = heap_push(hk, hv, 0, gain[start], start)
    np.random.seed(seed)
    order = np.random.permutation(n)
    nxt = 0
    w0 = 0
    while w0 < target:
        if size == 0:
            while nxt < n and part[order[nxt]] == 0:
                nxt += 1
            if nxt == n:
                break
            size = heap_push(hk, hv, size, gain[order[nxt]], order[nxt])
        key, u, size = heap_pop(hk, hv, size)
        if part[u] == 0 or key != gain[u]:
            continue
        if w0 + vw[u] > target and w0 + vw[u] - target > target - w0:
            break
        part[u] = 0
        w0 += vw[u]
        for e in range(xadj[u], xadj[u + 1]):
            v = adj[e]
            if part[v] == 1:
                gain[v] += 2 * wgt[e]
                if size < cap:
                    size = heap_push(hk, hv, size, gain[v], v)
    return part


def grow_bisection(g: Graph, frac0: float, imbalance: float, rng: np.random.Generator,
                   ntries: int = 6) -> np.ndarray:
    """Best of ``ntries`` grown and refined bisections; part 0 gets ``frac0`` of the weight."""
    n = g.num_nodes
    vw = np.ascontiguousarray(g.vwgt[:, 0])
    target = int(round(frac0 * vw.sum()))
    targets = np.array([frac0, 1.0 - frac0])
    maxpw = max_part_weights(g.vwgt, targets, imbalance)
    best, best_key = None, None
    for _ in range(ntries):
        part = _grow(g.xadj, g.adjncy, g.adjwgt, vw, target, int(rng.integers(n)), int(rng.integers(2**31)))
        part = fm_refine(g, part, maxpw)
        pw = np.stack([g.vwgt[part == 0].sum(0), g.vwgt[part == 1].sum(0)])
        over = float(np.max(pw / np.maximum(maxpw, 1)))
        key = (max(over, 1.0), edge_cut(g, part))
        if best_key is None or key < best_key:
            best, best_key = part, key
    return best


def multilevel_bisection(g: Graph, frac0: float, imbalance: float, rng: np.random.Generator,
                         coarsen_to: int = 40) -> np.ndarray:
    """Coarsen ``g`` further, bisect the coarsest graph, then project back with FM at every level."""
    from .coarsen import coarsen

    graphs, maps = coarsen(g, coarsen_to, int(rng.integers(2**62)))
    part = grow_bisection(graphs[-1], frac0, imbalance, rng)
    targets = np.array([frac0, 1.0 - frac0])
    for level in range(len(maps) - 1, -1, -1):
        part = part[maps[level]]
        part = fm_refine(graphs[level], part, max_part_weights(graphs[level].vwgt, targets, imbalance))
    return part


def _subgraph(g: Graph, keep: np.ndarray) -> Graph:
    ids = np.nonzero(keep)[0]
    new = np.full(g.num_nodes, -1, np.int64)
    new[ids] = np.arange(ids.shape[0])
    deg = np.diff(g.xadj)[ids]
    rows = np.repeat(np.arange(ids.shape[0]), deg)
    offs = np.zeros(ids.shape[0] + 1, np.int64)
    np.cumsum(deg, out=offs[1:])
    pos = np.arange(offs[-1], dtype=np.int64) + np.repeat(g.xadj[ids] - offs[:-1], deg)
    cols = new[g.adjncy[pos]]
    ok = cols >= 0
    rows, cols, w = rows[ok], cols[ok], g.adjwgt[pos][ok]
    xadj = np.zeros(ids.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=ids.shape[0]), out=xadj[1:])
    return Graph(xadj, cols.astype(np.int64), w.astype(np.int64), g.vwgt[ids])


def recursive_bisection(g: Graph, k: int, imbalance: float, rng: np.random.Generator) -> np.ndarray:
    """k-way partition of ``g`` (small) by recursive bisection."""
    part = np.zeros(g.num_nodes, np.int64)
    if k == 1 or g.num_nodes == 0:
        return part
    k0 = k // 2
    if g.num_nodes == 1:
        return part
    half = multilevel_bisection(g, k0 / k, imbalance, rng)
    for side, (kk, off) in enumerate(((k0, 0), (k - k0, k0))):
        keep = half == side
        if kk > 1 and keep.any():
            part[keep] = recursive_bisection(_subgraph(g, keep), kk, imbalance, rng) + off
        else:
            part[keep] = off
    return part
