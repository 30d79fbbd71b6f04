"""Multilevel k-way partitioning in the manner of METIS (Karypis & Kumar).

0. vertices without neighbours are set aside and placed last into the lightest
   parts, so the others may use the room they leave under the limit;
1. coarsen by matching (heavy-edge, or graclus normalised-cut), vertices
   visited by increasing degree, two-hop pairing only when plain matching
   leaves many vertices alone, until about ``max(n / (20 log2 k), 30 k)``
   vertices remain or a level stalls;
2. partition the coarsest graph by recursive multilevel bisection (best of
   several tries where the coarsest graph is small);
3. project back level by level, with greedy k-way boundary refinement plus
   loosen-and-rebalance rounds (see :mod:`.refine`) under the balance limit
   ``(1 + imbalance) * total / k`` for every constraint.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np
from numba import njit

from .coarsen import MATCHINGS, coarsen
from .fm import fm_refine
from .graph import Graph, build_csr, edge_cut, graph_from_disk_csr, part_weights, unit_weights
from .initial import recursive_bisection
from .refine import kway_refine, max_part_weights

__all__ = ["metis_partition", "metis_partition_csr", "multilevel_kway"]


@njit(cache=True)
def _core_fill(xadj, adj, wgt, new, ids, cx, cadj, cw, weighted):
    for i in range(ids.shape[0]):
        u = ids[i]
        k = cx[i]
        for e in range(xadj[u], xadj[u + 1]):
            v = new[adj[e]]
            if v >= 0:
                cadj[k] = v
                if weighted:
                    cw[k] = wgt[e]
                k += 1


def _core_subgraph(g: Graph, ids: np.ndarray) -> Graph:
    """Subgraph of ``g`` on the vertices ``ids`` that have neighbours (all their neighbours have
    neighbours too, so every row is kept whole); int32 ids, unit weights stay zero-stride."""
    new = np.full(g.num_nodes, -1, np.int32 if ids.shape[0] < 2**31 else np.int64)
    new[ids] = np.arange(ids.shape[0])
    deg = np.asarray(g.xadj[ids + 1]) - np.asarray(g.xadj[ids])
    cx = np.zeros(ids.shape[0] + 1, np.int64)
    np.cumsum(deg, out=cx[1:])
    del deg
    m = int(cx[-1])
    cadj = np.empty(m, new.dtype)
    unit = g.adjwgt.strides[0] == 0
    cw = unit_weights(m) if unit else np.empty(m, g.adjwgt.dtype)
    _core_fill(g.xadj, g.adjncy, g.adjwgt, new, ids, cx, cadj, cw if not unit else np.empty(1, np.int64), not unit)
    vw = unit_weights((ids.shape[0], g.vwgt.shape[1])) if g.vwgt.strides[0] == 0 else g.vwgt[ids]
    return Graph(cx, cadj, cw, vw)


@njit(cache=True)
def _fill_isolated(part, vwgt, ids, pw, maxpw):
    """Put each vertex of ``ids`` (heaviest first) into the part with the lowest load after it."""
    k, ncon = pw.shape
    for i in range(ids.shape[0]):
        u = ids[i]
        best, bload = 0, 1e300
        for p in range(k):
            load = 0.0
            for c in range(ncon):
                load = max(load, (pw[p, c] + vwgt[u, c]) / max(maxpw[p, c], 1))
            if load < bload:
                best, bload = p, load
        part[u] = best
        for c in range(ncon):
            pw[best, c] += vwgt[u, c]
    return part


def _coarsen_target(n: int, k: int, coarsen_per_part: int) -> int:
    return int(max(n // (20 * max(np.log2(k), 1.0)), coarsen_per_part * k, 64))


def _multilevel(g: Graph, k: int, rng: np.random.Generator, maxpw: np.ndarray, rb_imbalance: float,
                matching: str, coarsen_to: int, refine_passes: int, ninit: Optional[int], coarsen_opts: dict,
                relax: float, rounds: int) -> np.ndarray:
    """k-way partition of ``g`` whose parts must stay within the absolute limits ``maxpw`` [k, ncon]."""
    graphs, maps = coarsen(g, coarsen_to, int(rng.integers(2**62)), matching, **coarsen_opts)
    coarse = graphs[-1]
    if ninit is None:  # several initial partitions where the coarsest graph is cheap to partition
        ninit = 4 if coarse.adjncy.shape[0] <= max(20000, g.adjncy.shape[0] // 20) else 1
    best, best_key = None, None
    for _ in range(ninit):
        part = recursive_bisection(coarse, k, rb_imbalance, rng)
        part = kway_refine(coarse, part, k, _limits(maxpw, coarse), refine_passes, int(rng.integers(2**31)),
                           relax, rounds)
        key = (_overload(coarse, part, maxpw), edge_cut(coarse, part))
        if best_key is None or key < best_key:
            best, best_key = part, key
    part = best
    for level in range(len(maps) - 1, -1, -1):
        part = part[maps[level]]
        fine = graphs[level]
        lim = _limits(maxpw, fine)
        if k == 2:
            part = fm_refine(fine, part, lim)
        else:
            part = kway_refine(fine, part, k, lim, refine_passes, int(rng.integers(2**31)), relax, rounds)
    return part


def _limits(maxpw: np.ndarray, g: Graph) -> np.ndarray:
    return np.maximum(maxpw, g.vwgt.max(axis=0)[None, :]).astype(np.int64)


def _overload(g: Graph, part: np.ndarray, maxpw: np.ndarray) -> float:
    pw = part_weights(g.vwgt, part, maxpw.shape[0])
    return float(max(np.max(pw / np.maximum(maxpw, 1)), 1.0))


def multilevel_kway(g: Graph, k: int, *, seed: int = 0, imbalance: float = 0.03,
                    matching: str = "heavy_edge", coarsen_per_part: int = 30, coarsen_to: Optional[int] = None,
                    refine_passes: int = 2, ninit: Optional[int] = None, order: str = "degree", two_hop: float = 0.1,
                    stall: float = 0.95, refine_relax: float = 0.3, refine_rounds: int = 5,
                    isolated_room: bool = True, spill_dir: Optional[str] = None,
                    spill_edges: int = 1 << 22) -> np.ndarray:
    """Partition the symmetric CSR ``g`` into ``k`` parts (int64[n]).

    Vertices without neighbours are left out of the multilevel scheme and placed
    afterwards into the lightest parts, so the connected vertices may use the
    room they leave under the limit ``(1 + imbalance) * total / k`` (with
    ``isolated_room=False`` the connected vertices alone are balanced to
    ``1 + imbalance`` first). Coarsening
    stops at ``coarsen_to`` vertices (default ``max(n / (20 log2 k), coarsen_per_part * k)``).
    Coarse levels of at least ``spill_edges`` entries are kept in memory-mapped
    files in a temporary directory inside ``spill_dir`` (default: the system's
    temporary directory), removed at the end.
    """
    if k == 1:
        return np.zeros(g.num_nodes, np.int64)
    import shutil
    import tempfile

    work = tempfile.mkdtemp(prefix="distgnn-metis-", dir=spill_dir)
    try:
        return _kway(g, k, seed, imbalance, matching, coarsen_per_part, coarsen_to, refine_passes, ninit,
                     dict(order=order, two_hop=two_hop, stall=stall, spill_dir=work, spill_edges=spill_edges),
                     refine_relax, refine_rounds, isolated_room)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kway(g, k, seed, imbalance, matching, coarsen_per_part, coarsen_to, refine_passes, ninit, opts,
          refine_relax, refine_rounds, isolated_room) -> np.ndarray:
    n = g.num_nodes
    rng = np.random.default_rng(seed)
    iso = np.diff(g.xadj) == 0
    maxpw = max_part_weights(g.vwgt, np.full(k, 1.0 / k), imbalance)
    part = np.zeros(n, np.int64)
    core_ids = np.nonzero(~iso)[0]
    if core_ids.shape[0]:
        core = g if core_ids.shape[0] == n else _core_subgraph(g, core_ids)
        ct = coarsen_to if coarsen_to is not None else _coarsen_target(core.num_nodes, k, coarsen_per_part)
        wc = core.vwgt.sum(axis=0).astype(np.float64)
        if not isolated_room:
            maxpw = max_part_weights(core.vwgt, np.full(k, 1.0 / k), imbalance)
        room = maxpw[0].astype(np.float64) * k / np.maximum(wc, 1.0)
        eps = float(np.clip(room[wc > 0].min() - 1.0 if (wc > 0).any() else imbalance, imbalance, 10.0))
        levels = max(int(np.ceil(np.log2(k))), 1)
        rb_imb = max((1.0 + eps) ** (1.0 / levels) - 1.0, imbalance)
        part[core_ids] = _multilevel(core, k, rng, maxpw, rb_imb, matching, ct, refine_passes, ninit, opts,
                                     refine_relax, refine_rounds)
    if core_ids.shape[0] < n:
        iso_ids = np.nonzero(iso)[0]
        iso_ids = iso_ids[np.argsort(-g.vwgt[iso_ids].max(axis=1), kind="stable")]
        pw = part_weights(g.vwgt[core_ids], part[core_ids], k)
        part = _fill_isolated(part, g.vwgt, iso_ids, pw, max_part_weights(g.vwgt, np.full(k, 1.0 / k), imbalance))
    return part


def _check_options(imbalance: float, matching: str) -> None:
    if not isinstance(imbalance, (int, float)) or not 0.0 <= float(imbalance) <= 10.0:
        raise ValueError(f"imbalance must be a number in [0, 10] (0.03 = 3%), got {imbalance!r}")
    if matching not in MATCHINGS:
        raise ValueError(f"matching must be one of {', '.join(MATCHINGS)}, got {matching!r}")


def metis_partition(edge_index: np.ndarray, num_nodes: int, num_parts: int, *, seed: int = 0,
                    edge_weight: Optional[np.ndarray] = None, node_weight: Optional[np.ndarray] = None,
                    imbalance: float = 0.03, matching: str = "heavy_edge", **options) -> np.ndarray:
    """Multilevel k-way partition of ``edge_index`` (int64 [2, E], treated as undirected)."""
    _check_options(imbalance, matching)
    g = build_csr(edge_index, num_nodes, edge_weight, node_weight)
    return multilevel_kway(g, num_parts, seed=seed, imbalance=float(imbalance), matching=matching, **options)


def metis_partition_csr(csr, num_parts: int, *, seed: int = 0, imbalance: float = 0.03,
                        matching: str = "heavy_edge", **options) -> np.ndarray:
    """Multilevel k-way partition of an undirected on-disk CSR (symmetrised, deduplicated, loop-free;
    ``partition_graph`` symmetrises a directed one on disk first): level 0 is read from its memory maps."""
    _check_options(imbalance, matching)
    g = graph_from_disk_csr(csr)  # refuses a directed CSR
    options.setdefault("spill_dir", os.path.dirname(os.path.abspath(csr.path)))
    return multilevel_kway(g, num_parts, seed=seed, imbalance=float(imbalance),
                           matching=matching, **options)
