"""Out-of-core multilevel partitioning: coarsen on disk until the graph fits, partition, refine on disk.

1. **Coarsen** (:func:`~.label_prop.lp_cluster` + :func:`~.contract_disk.contract_to_disk`):
   size-constrained label propagation over the memory-mapped CSR, each pass a
   scan of its rows with O(num_nodes) state, then the contraction written as a
   weighted CSR to a scratch directory; repeated until the coarse graph's
   multilevel partitioning fits the memory budget.
2. **Partition** the coarsest graph with our multilevel k-way (``metis``), node
   and edge weights honoured.
3. **Uncoarsen**: project level by level; relieve overloaded parts by label
   propagation (:func:`~.label_prop.lp_refine`) and refine each level with the
   greedy k-way refinement (:func:`~.refine.kway_refine`, O(num_nodes) state),
   again scans of the memory-mapped rows. A coarse level that kept most of the
   finer level's entries (sparse random-like graphs: the first level merges
   vertices but few edges) is projected through, since its refinement would cost
   as much as the finer level's.

Cluster weights are capped at ``imbalance * W / k`` (KaMinPar's cap before its
coarse levels loosen it), so any set of clusters can be balanced within the
imbalance and the coarsest graph keeps at least ``k / imbalance`` vertices.
"""
from __future__ import annotations

import os
import shutil
import time
from typing import Callable, List, Optional

import numpy as np

from .contract_disk import contract_to_disk
from .graph import Graph, graph_from_disk_csr
from .label_prop import lp_cluster, lp_refine
from .memory import available_bytes
from .scratch import remove_stale, scratch_path

__all__ = ["out_of_core_partition", "min_memory_bytes", "STATE_BYTES_PER_NODE",
           "METIS_BYTES", "SCRATCH_PREFIX"]

#: peak private bytes per fine vertex of the coarsening and refinement state (the level maps, label
#: propagation's label, weight, rating and favourite arrays, the contraction's grouping)
STATE_BYTES_PER_NODE = 64
#: bytes of the in-memory multilevel partitioning per (directed edge entry, vertex) of the coarsest graph
METIS_BYTES = (90.0, 200.0)
#: coarse levels up to this many entries get 5 loosen-and-rebalance rounds of refinement, larger ones 1
SMALL_LEVEL = 1 << 24
#: a coarse level with more than this share of the next finer level's entries is projected through,
#: not refined: its refinement would cost about as much as the finer level's, which follows anyway
REFINE_SHRINK = 0.8
#: the scratch directories' names: the prefix, the process id, a random suffix
SCRATCH_PREFIX = ".distgnn-ooc-"


def min_memory_bytes(num_nodes: int) -> int:
    """The least memory ``out_of_core`` runs in on ``num_nodes`` vertices (its per-vertex state)."""
    return STATE_BYTES_PER_NODE * int(num_nodes)


def _balance(g: Graph, part: np.ndarray, k: int, maxpw: np.ndarray) -> str:
    pw = np.bincount(part, weights=np.asarray(g.vwgt[:, 0], np.float64), minlength=k)
    return f"heaviest part {pw.max() / max(pw.sum() / k, 1):.3f} of the mean (limit {maxpw.max() / max(pw.sum() / k, 1):.3f})"


def _size(b: float) -> str:
    return f"{b / 2**30:.2f} GB" if b >= 2**30 else f"{b / 2**20:.2f} MB"


def _metis_bytes(g: Graph) -> float:
    return METIS_BYTES[0] * g.adjncy.shape[0] + METIS_BYTES[1] * g.num_nodes


def _max_cluster_weight(total: int, k: int, imbalance: float) -> int:
    return max(1, int(max(imbalance, 0.01) * total / k))


def out_of_core_partition(csr, num_parts: int, *, seed: int = 0, imbalance: float = 0.03,
                          memory_gb: Optional[float] = None, lp_passes: int = 3, refine_passes: int = 2,
                          max_levels: int = 8, scratch_dir: Optional[str] = None,
                          log: Optional[Callable[[str], None]] = None) -> np.ndarray:
    """Partition the undirected on-disk CSR ``csr`` into ``num_parts`` parts (int64[n]) within ``memory_gb``.

    Args:
        seed: the random order of every pass and of the coarse partitioning (default: 0).
        imbalance: every part weighs at most ``(1 + imbalance) * n / k`` (default: 0.03).
        memory_gb: the budget the coarsest graph's partitioning must fit beside the per-vertex state
            (default: 80% of the memory available now); refused when below :func:`min_memory_bytes`.
        lp_passes: label propagation passes per coarsening level (default: 3; more passes merge more
            vertices but not better ones on planted graphs).
        refine_passes: greedy refinement passes per level (default: 2).
        max_levels: coarsening levels at most (default: 8).
        scratch_dir: where the coarse graphs go (default: beside the CSR), removed at the end (and, by
            the next run there, when the process was killed).
        log: called with a line per level (default: silent).
    """
    from .metis import multilevel_kway
    from .refine import max_part_weights

    n, k = csr.num_nodes, int(num_parts)
    budget = (0.8 * available_bytes() if memory_gb is None else float(memory_gb) * 2**30)
    need = min_memory_bytes(n)
    if need > budget:
        raise ValueError(f"method 'out_of_core' needs at least memory_gb={need / 2**30:.6g} ({_size(need)}) for "
                         f"its per-vertex state on {n} vertices, got memory_gb={budget / 2**30:.6g} "
                         f"({_size(budget)}): raise memory_gb or use method 'stream'")
    if not isinstance(lp_passes, int) or lp_passes < 1 or not isinstance(refine_passes, int) or refine_passes < 0:
        raise ValueError(f"lp_passes must be an int >= 1 and refine_passes an int >= 0, got {lp_passes!r} and "
                         f"{refine_passes!r}")
    say = log or (lambda line: None)
    room = budget - STATE_BYTES_PER_NODE * n
    g = graph_from_disk_csr(csr)
    rng = np.random.default_rng(seed)
    prefix = os.path.join(scratch_dir or os.path.dirname(os.path.abspath(csr.path)), SCRATCH_PREFIX)
    remove_stale(prefix)
    work = scratch_path(prefix)
    os.makedirs(work)
    try:
        levels, maps = _coarsen(g, k, imbalance, room, lp_passes, max_levels, rng, work, say)
        t = time.perf_counter()
        coarse = levels[-1]
        part = multilevel_kway(coarse, k, seed=int(rng.integers(2**31)), imbalance=float(imbalance), spill_dir=work)
        maxpw = max_part_weights(g.vwgt[:, :1], np.full(k, 1.0 / k), float(imbalance))[:, 0]
        say(f"coarsest graph ({coarse.num_nodes} vertices, {coarse.adjncy.shape[0]} entries) partitioned "
            f"({time.perf_counter() - t:.1f} s)")
        for level in range(len(maps) - 1, -1, -1):
            t = time.perf_counter()
            part = np.ascontiguousarray(part[maps[level]], np.int64)
            maps[level] = None
            seed_l = int(rng.integers(2**31))
            if level > 0 and _barely_shrunk(levels, level):
                say(f"level {level}: projected through ({levels[level].adjncy.shape[0]} entries, over "
                    f"{REFINE_SHRINK:g} of level {level - 1}'s: refined there)")
                continue
            _refine(levels[level], part, k, maxpw, refine_passes, seed_l, level)
            say(f"level {level}: projected and refined, {_balance(levels[level], part, k, maxpw)} "
                f"({time.perf_counter() - t:.1f} s)")
        return part
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _barely_shrunk(levels: List[Graph], level: int) -> bool:
    """Whether coarse ``level`` kept more than ``REFINE_SHRINK`` of the entries of the level below it."""
    return levels[level].adjncy.shape[0] > REFINE_SHRINK * levels[level - 1].adjncy.shape[0]


def _refine(g: Graph, part: np.ndarray, k: int, maxpw: np.ndarray, passes: int, seed: int, level: int) -> None:
    """Refine ``part`` on ``g`` in place: overloaded parts relieved (label propagation), then the greedy k-way
    refinement of ``metis`` (by gain, O(num_nodes) state) with up to 5 loosen-and-rebalance rounds on
    coarse levels of at most ``SMALL_LEVEL`` entries and one on larger levels and the input graph (each
    round costs a few scans of the rows)."""
    from .refine import kway_refine

    lp_refine(g, part, k, maxpw, 0, seed)  # relieve overloaded parts first
    rounds = 5 if level > 0 and g.adjncy.shape[0] <= SMALL_LEVEL else 1
    kway_refine(g, part, k, maxpw[:, None], passes, seed, relax=0.3, rounds=rounds)


def _coarsen(g: Graph, k: int, imbalance: float, room: float, lp_passes: int, max_levels: int,
             rng: np.random.Generator, work: str, say) -> tuple:
    """Levels ``[g, g1, ...]`` (coarse ones memory-mapped from ``work``) and maps until the last fits ``room``."""
    levels: List[Graph] = [g]
    maps: List[np.ndarray] = []
    total = int(np.asarray(g.vwgt[:, 0]).sum())
    while _metis_bytes(levels[-1]) > room and len(maps) < max_levels:
        cur = levels[-1]
        t = time.perf_counter()
        maxw = _max_cluster_weight(total, k, imbalance)
        cmap, nc = lp_cluster(cur, maxw, lp_passes, int(rng.integers(2**62)))
        if nc > 0.95 * cur.num_nodes:
            say(f"level {len(maps) + 1}: label propagation kept {nc} of {cur.num_nodes} vertices, coarsening stops")
            break
        nxt = contract_to_disk(cur, cmap, nc, os.path.join(work, f"level{len(maps) + 1}"))
        maps.append(cmap)
        levels.append(nxt)
        say(f"level {len(maps)}: {nc} vertices, {nxt.adjncy.shape[0]} entries (cluster weight <= {maxw}, "
            f"{time.perf_counter() - t:.1f} s)")
    if _metis_bytes(levels[-1]) > room:
        say(f"the coarsest graph needs ~{_metis_bytes(levels[-1]) / 2**30:.2f} GB, over the "
            f"{room / 2**30:.2f} GB left: partitioning it all the same")
    return levels, maps
