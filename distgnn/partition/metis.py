"""Multilevel k-way partitioning in the manner of METIS (Karypis & Kumar).

1. coarsen by matching (heavy-edge, or graclus normalised-cut) until the graph
   has about ``coarsen_per_part * k`` vertices;
2. partition the coarsest graph by recursive bisection (greedy graph growing);
3. project back level by level, with greedy k-way boundary refinement under
   the balance limit ``(1 + imbalance) * total / k`` for every constraint.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .coarsen import MATCHINGS, coarsen
from .fm import fm_refine
from .graph import Graph, build_csr, edge_cut
from .initial import recursive_bisection
from .refine import kway_refine, max_part_weights

__all__ = ["metis_partition", "multilevel_kway"]


def multilevel_kway(g: Graph, k: int, *, seed: int = 0, imbalance: float = 0.03,
                    matching: str = "heavy_edge", coarsen_per_part: int = 20,
                    refine_passes: int = 8, ninit: int = 2) -> np.ndarray:
    """Partition the symmetric CSR ``g`` into ``k`` parts (int64[n])."""
    n = g.num_nodes
    if k == 1:
        return np.zeros(n, np.int64)
    rng = np.random.default_rng(seed)
    graphs, maps = coarsen(g, max(coarsen_per_part * k, 64), int(rng.integers(2**62)), matching)
    targets = np.full(k, 1.0 / k)
    coarse = graphs[-1]
    best, best_cut = None, None
    for _ in range(ninit):
        part = recursive_bisection(coarse, k, imbalance, rng)
        part = kway_refine(coarse, part, k, max_part_weights(coarse.vwgt, targets, imbalance),
                           refine_passes, int(rng.integers(2**31)))
        cut = edge_cut(coarse, part)
        if best_cut is None or cut < best_cut:
            best, best_cut = part, cut
    part = best
    for level in range(len(maps) - 1, -1, -1):
        part = part[maps[level]]
        fine = graphs[level]
        maxpw = max_part_weights(fine.vwgt, targets, imbalance)
        if k == 2:
            part = fm_refine(fine, part, maxpw)
        else:
            part = kway_refine(fine, part, k, maxpw, refine_passes, int(rng.integers(2**31)))
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
