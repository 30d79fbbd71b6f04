"""Coarsening by matching (heavy-edge or graclus normalised-cut) and contraction (numba).

The contraction runs in two passes (count the distinct coarse neighbours, then
fill) so a coarse level takes exactly its size: int32 neighbour ids and, while
the total edge weight fits, int32 edge weights.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
from numba import njit

from .graph import Graph

__all__ = ["match", "contract", "coarsen", "MATCHINGS"]

MATCHINGS = ("heavy_edge", "graclus")


@njit(cache=True)
def _fits(vwgt, u, v, maxvwgt):
    for c in range(vwgt.shape[1]):
        if vwgt[u, c] + vwgt[v, c] > maxvwgt[c]:
            return False
    return True


@njit(cache=True)
def _match(xadj, adj, wgt, vwgt, perm, maxvwgt, mode, two_hop):
    """match[u] = partner (or u). mode 0: heaviest edge; mode 1: max w*(1/d_u + 1/d_v).

    Unless ``two_hop`` > 1 (no pairing beyond edges), vertices without
    neighbours are paired with each other, and when more than a ``two_hop`` fraction of the vertices is still unmatched, unmatched vertices
    that share a neighbour are paired too (leaves of hubs in skewed graphs).
    """
    n = xadj.shape[0] - 1
    mt = np.full(n, -1, np.int64)
    dw = np.zeros(n, np.float64)
    if mode == 1:
        for u in range(n):
            for e in range(xadj[u], xadj[u + 1]):
                dw[u] += wgt[e]
    for i in range(n):
        u = perm[i]
        if mt[u] >= 0:
            continue
        best, bscore = -1, -1.0
        for e in range(xadj[u], xadj[u + 1]):
            v = adj[e]
            if mt[v] >= 0 or not _fits(vwgt, u, v, maxvwgt):
                continue
            s = wgt[e] * (1.0 / max(dw[u], 1.0) + 1.0 / max(dw[v], 1.0)) if mode == 1 else float(wgt[e])
            if s > bscore:
                best, bscore = v, s
        if best >= 0:
            mt[u] = best
            mt[best] = u
    last = -1
    unmatched = 0
    for i in range(n):
        u = perm[i]
        if mt[u] >= 0:
            continue
        if xadj[u + 1] > xadj[u] or two_hop > 1.0:
            unmatched += 1
        elif last < 0:
            last = u
        elif _fits(vwgt, last, u, maxvwgt):
            mt[last] = u
            mt[u] = last
            last = -1
        else:
            last = u
    if unmatched > two_hop * n:
        _match_two_hop(xadj, adj, vwgt, perm, maxvwgt, mt)
    for u in range(n):
        if mt[u] < 0:
            mt[u] = u
    return mt


@njit(cache=True)
def _match_two_hop(xadj, adj, vwgt, perm, maxvwgt, mt):
    """Pair still-unmatched vertices that share a neighbour (leaves of hubs in skewed graphs)."""
    for i in range(xadj.shape[0] - 1):
        h = perm[i]
        last = -1
        for e in range(xadj[h], xadj[h + 1]):
            u = adj[e]
            if mt[u] >= 0:
                continue
            if last < 0:
                last = u
            elif _fits(vwgt, last, u, maxvwgt):
                mt[last] = u
                mt[u] = last
                last = -1


@njit(cache=True)
def _cmap(mt):
    n = mt.shape[0]
    cmap = np.full(n, -1, np.int64)
    c = 0
    for u in range(n):
        if cmap[u] < 0:
            cmap[u] = c
            cmap[mt[u]] = c
            c += 1
    return cmap, c


@njit(cache=True)
def _contract_count(xadj, adj, mt, cmap, nc):
    """Pass 1 of the contraction: coarse row lengths (distinct coarse neighbours), as cx int64[nc+1]."""
    n = xadj.shape[0] - 1
    cx = np.zeros(nc + 1, np.int64)
    mark = np.full(nc, -1, np.int64)
    for u in range(n):
        if mt[u] < u:
            continue
        c = cmap[u]
        v = mt[u]
        cnt = 0
        for t in range(2 if v != u else 1):
            w_ = u if t == 0 else v
            for e in range(xadj[w_], xadj[w_ + 1]):
                d = cmap[adj[e]]
                if d != c and mark[d] != c:
                    mark[d] = c
                    cnt += 1
        cx[c + 1] = cnt
    for c in range(nc):
        cx[c + 1] += cx[c]
    return cx


@njit(cache=True)
def _contract_fill(xadj, adj, wgt, vwgt, mt, cmap, cx, cadj, cw, cv):
    """Pass 2: coarse neighbours, summed edge weights and vertex weights into the preallocated arrays."""
    n = xadj.shape[0] - 1
    slot = np.full(cv.shape[0], -1, np.int64)
    for u in range(n):
        if mt[u] < u:
            continue
        c = cmap[u]
        v = mt[u]
        start = cx[c]
        k = start
        for t in range(2 if v != u else 1):
            w_ = u if t == 0 else v
            for j in range(vwgt.shape[1]):
                cv[c, j] += vwgt[w_, j]
            for e in range(xadj[w_], xadj[w_ + 1]):
                d = cmap[adj[e]]
                if d == c:
                    continue
                s = slot[d]
                if s >= start:
                    cw[s] += wgt[e]
                else:
                    slot[d] = k
                    cadj[k] = d
                    cw[k] = wgt[e]
                    k += 1


def match(g: Graph, seed: int, mode: str = "heavy_edge", maxvwgt=None, two_hop=True,
          order: str = "random") -> np.ndarray:
    """Matching of ``g``; returns partner per vertex.

    ``order``: "random" visits vertices in a seeded random order, "degree" by
    increasing degree (ties at random). ``two_hop``: True always pairs left-over
    vertices through a shared neighbour, False never, a float only when more
    than that fraction of the vertices is left unmatched.
    """
    if mode not in MATCHINGS:
        raise ValueError(f"matching must be one of {', '.join(MATCHINGS)}, got {mode!r}")
    n = g.num_nodes
    perm = np.random.default_rng(seed).permutation(n).astype(np.int64)
    if order == "degree":
        perm = perm[np.argsort(np.diff(g.xadj)[perm], kind="stable")]
    elif order != "random":
        raise ValueError(f"order must be 'random' or 'degree', got {order!r}")
    two_hop = 0.0 if two_hop is True else 2.0 if two_hop is False else float(two_hop)
    if maxvwgt is None:
        maxvwgt = np.full(g.vwgt.shape[1], np.iinfo(np.int64).max // 4, np.int64)
    return _match(g.xadj, g.adjncy, g.adjwgt, g.vwgt, perm, np.asarray(maxvwgt, np.int64),
                  1 if mode == "graclus" else 0, two_hop)


def contract(g: Graph, mt: np.ndarray) -> Tuple[Graph, np.ndarray]:
    """Coarse graph of ``g`` under matching ``mt`` and the fine -> coarse map."""
    cmap, nc = _cmap(mt)
    cx = _contract_count(g.xadj, g.adjncy, mt, cmap, nc)
    m = int(cx[-1])
    cadj = np.empty(m, np.int32 if nc < 2**31 else np.int64)
    total = int(np.sum(g.adjwgt, dtype=np.int64))
    cw = np.zeros(m, np.int32 if total < 2**31 else np.int64)
    cv = np.zeros((nc, g.vwgt.shape[1]), np.int64)
    _contract_fill(g.xadj, g.adjncy, g.adjwgt, g.vwgt, mt, cmap, cx, cadj, cw, cv)
    return Graph(cx, cadj, cw, cv), cmap


def _to_disk(g: Graph, where: str, level: int) -> Graph:
    """``g`` with its edge arrays moved to ``.npy`` files in ``where``, memory-mapped read-only."""
    import os

    out = []
    for name, arr in (("adjncy", g.adjncy), ("adjwgt", g.adjwgt)):
        path = os.path.join(where, f"level{level}-{name}.npy")
        np.save(path, arr)
        out.append(np.load(path, mmap_mode="r"))
    return Graph(g.xadj, out[0], out[1], g.vwgt)


def coarsen(g: Graph, coarsen_to: int, seed: int, mode: str = "heavy_edge",
            max_levels: int = 60, order: str = "degree", two_hop=0.1,
            stall: float = 0.95, spill_dir: Optional[str] = None,
            spill_edges: int = 1 << 22) -> Tuple[List[Graph], List[np.ndarray]]:
    """Levels ``[g, g1, ...]`` and maps ``[cmap0, ...]`` until at most ``coarsen_to``
    vertices or a level keeps more than ``stall`` of its vertices.

    With ``spill_dir`` the edge arrays of every coarse level of at least
    ``spill_edges`` entries go to files there, memory-mapped: on skewed graphs
    (R-MAT) coarse levels keep most edges, so together they hold several times
    the input; on disk they take page cache the kernel can reclaim, not memory."""
    graphs, maps = [g], []
    total = g.vwgt.sum(axis=0)
    maxvwgt = np.maximum(1, (1.5 * total / max(coarsen_to, 1)).astype(np.int64))
    rng = np.random.default_rng(seed)
    while graphs[-1].num_nodes > coarsen_to and len(maps) < max_levels:
        cur = graphs[-1]
        mt = match(cur, int(rng.integers(2**62)), mode, maxvwgt, two_hop, order)
        nxt, cmap = contract(cur, mt)
        if nxt.num_nodes > stall * cur.num_nodes:
            break
        if spill_dir is not None and nxt.adjncy.shape[0] >= spill_edges:
            nxt = _to_disk(nxt, spill_dir, len(graphs))
        graphs.append(nxt)
        maps.append(cmap)
    return graphs, maps
