"""``partition_graph``: the one entry point to every partitioner.

The graph is an edge list (int [2, E], in memory) or an on-disk CSR
(:class:`~distgnn.partition.disk_csr.DiskCSR`, memory-mapped). ``method="auto"``
picks by graph size and a memory budget (:func:`choose_method`).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
import torch

from .memory import available_bytes
from .out_of_core import STATE_BYTES_PER_NODE
from .stream import STREAM_PASSES
from ._validate import as_edge_array, check_node_array, check_num_nodes, check_num_parts, to_numpy

__all__ = ["partition_graph", "partition", "Partitioning", "choose_method", "estimate_bytes", "METHODS", "MEMORY_MODEL", "METIS_MAX_EDGES"]

METHODS = ("auto", "metis", "graclus", "kaminpar", "out_of_core", "random", "stream")

#: peak private bytes per directed edge entry and per node of each method (the partitioning child's largest
#: RssAnon, or the machine-wide peak where larger), measured with bench/scale.py and bench/partition.py on
#: R-MAT 20-25 (k=16) and planted-partition graphs (k=64); the largest bytes per edge seen, as all grow a
#: little with the scale and KaMinPar's depend on how fast the graph coarsens: metis 62 B/edge at R-MAT 20
#: and 89 at 22 (10.6 GB); KaMinPar default (the wheel's 64-bit ids: 8 B per edge for the input graph alone,
#: plus its coarse graphs with edge weights) 15 B/edge at R-MAT 22, 26 at 24 (13.4 GB) and 26.7 on a planted
#: graph (4.2M nodes, 134M edges, 3.6 GB); KaMinPar terapart (the input graph compressed) 11.7 B/edge at
#: R-MAT 22 and 11.3 at 23, but 21.9 on that planted graph (2.9 GB; its coarse graphs, uncompressed, stay
#: large), so a billion planted edges (25 GB) do not fit 20 GB
MEMORY_MODEL = {"metis": (90.0, 200.0), "kaminpar": (27.0, 48.0), "kaminpar-terapart": (22.0, 48.0),
                "out_of_core": (0.0, float(STATE_BYTES_PER_NODE)), "stream": (0.0, 40.0)}
#: above this many directed edges our metis (best cut, slowest) gives way to KaMinPar
METIS_MAX_EDGES = 1 << 27


def _edge_weight(edge_weight, num_edges: int) -> Optional[np.ndarray]:
    if edge_weight is None:
        return None
    w = to_numpy(edge_weight)
    if w.shape != (num_edges,):
        raise ValueError(f"edge_weight must have shape [{num_edges}], got {list(w.shape)}")
    if not np.all(np.isfinite(w)) or (w.size and w.min() < 0):
        raise ValueError("edge_weight must be finite and >= 0")
    if not np.issubdtype(w.dtype, np.integer):
        if w.size and np.any(w != np.round(w)):
            scale = 1000.0 / max(float(w.max()), 1e-300)
            return np.maximum(np.round(w * scale), 1).astype(np.int64)
    return w.astype(np.int64)


def _node_weight(node_weight, n: int) -> Optional[np.ndarray]:
    if node_weight is None:
        return None
    w = check_node_array(node_weight, n, "node_weight")
    if w.ndim == 1:
        w = w[:, None]
    if w.ndim != 2 or not np.all(np.isfinite(w)) or w.min() < 0:
        raise ValueError(f"node_weight must be finite, >= 0 and of shape [n] or [n, ncon], got {list(w.shape)}")
    return np.round(w).astype(np.int64)


def estimate_bytes(method: str, num_nodes: int, num_edges: int) -> float:
    """Peak memory of ``method`` (``"kaminpar-terapart"`` for that context) on a graph of that size."""
    per_edge, per_node = MEMORY_MODEL[method]
    return per_edge * num_edges + per_node * num_nodes


def choose_method(num_nodes: int, num_edges: int, memory_gb: Optional[float] = None,
                  kaminpar_ok: Optional[bool] = None) -> Tuple[str, dict, str]:
    """``(method, options, reason)`` for ``method="auto"``.

    Our ``metis`` (the best cut) while the graph has at most ``METIS_MAX_EDGES``
    directed edges and fits ``memory_gb``; then KaMinPar's default context, then
    its terapart context (compressed graph); then ``out_of_core`` (multilevel,
    coarsening on disk until the coarse graph fits; O(num_nodes) state); each also
    run against ``stream``, keeping the lower cut (stream costs a few percent of
    their time and cuts fewer edges on skewed graphs: 49.9% against KaMinPar's
    78.8% on R-MAT 25); else ``stream`` (O(num_nodes)).
    ``memory_gb`` defaults to 80% of the memory available now.
    """
    from .kaminpar import available

    if memory_gb is None:
        memory_gb = 0.8 * available_bytes() / 2**30
    budget = float(memory_gb) * 2**30
    if kaminpar_ok is None:
        kaminpar_ok = available()
    need = {m: estimate_bytes(m, num_nodes, num_edges) for m in MEMORY_MODEL}
    gb = {m: v / 2**30 for m, v in need.items()}
    size = f"{num_nodes} nodes, {num_edges} directed edges"
    if num_edges <= METIS_MAX_EDGES and need["metis"] <= budget:
        return "metis", {}, (f"{size}: metis (best cut) fits, ~{gb['metis']:.1f} GB of {memory_gb:.1f} GB, "
                             f"and the graph has <= {METIS_MAX_EDGES} edges")
    why = (f"metis would need ~{gb['metis']:.1f} GB" if need["metis"] > budget
           else f"more than {METIS_MAX_EDGES} edges, metis would be slow")
    best = f"; the better cut of it and stream (~{gb['stream']:.1f} GB) is kept"
    if kaminpar_ok:
        for m, ctx in (("kaminpar", "default"), ("kaminpar-terapart", "terapart")):
            if need[m] <= budget:
                return "kaminpar", {"context": ctx, "compare_stream": True}, (
                    f"{size}: {why}; KaMinPar {ctx} fits, ~{gb[m]:.1f} GB of {memory_gb:.1f} GB{best}")
        why += f", KaMinPar terapart ~{gb['kaminpar-terapart']:.1f} GB"
    else:
        why += ", kaminpar is not installed"
    if need["out_of_core"] <= budget:
        return "out_of_core", {"memory_gb": float(memory_gb), "compare_stream": True}, (
            f"{size}: {why}; out_of_core (coarsened on disk until the coarse graph fits) within "
            f"{memory_gb:.1f} GB{best}")
    return "stream", {}, (f"{size}: {why}; stream ({STREAM_PASSES} passes, ~{gb['stream']:.1f} GB) within "
                          f"{memory_gb:.1f} GB")


def _partition_csr(csr, k: int, method: str, seed: int, options: dict,
                   verbose: bool = False) -> Tuple[np.ndarray, str]:
    if method in ("metis", "graclus", "kaminpar", "out_of_core") and not csr.undirected:
        # the cut counts edges as undirected: partition a symmetrised copy built on disk beside the CSR
        with tempfile.TemporaryDirectory(prefix=".distgnn-sym-", dir=os.path.dirname(csr.path)) as tmp:
            return _partition_undirected(csr.symmetrized_copy(os.path.join(tmp, "csr")), k, method, seed, options,
                                         verbose)
    return _partition_undirected(csr, k, method, seed, options, verbose)


def _partition_undirected(csr, k: int, method: str, seed: int, options: dict,
                          verbose: bool = False) -> Tuple[np.ndarray, str]:
    """``(part, method)``: the method is the one whose partition is returned."""
    if method == "random":
        from .simple import random_partition
        return random_partition(csr.num_nodes, k, seed), method
    if method == "stream":
        from .stream import stream_partition_chunks
        # a symmetric CSR listed by source: each node arrives with all its neighbours (Fennel's best order)
        return stream_partition_chunks(lambda: csr.edge_chunks(by_source=csr.symmetrized), csr.num_nodes, k,
                                       num_edges=csr.num_edges, seed=seed,
                                       undirected=not csr.symmetrized, **options), method
    if method in ("kaminpar", "out_of_core"):
        compare = options.pop("compare_stream", False)
        if not isinstance(compare, bool):
            raise ValueError(f"compare_stream must be True or False, got {compare!r}")
        if method == "kaminpar":
            from .kaminpar import kaminpar_partition
            part = kaminpar_partition(csr, k, seed=seed, **options)
        else:
            from .out_of_core import out_of_core_partition
            say = (lambda line: print(line, flush=True)) if verbose else None
            part = out_of_core_partition(csr, k, seed=seed, log=say, **options)
        return _better_than_stream(csr, k, seed, part, method, options, verbose) if compare else (part, method)
    from .metis import metis_partition_csr
    if method == "graclus":
        options.setdefault("matching", "graclus")
    return metis_partition_csr(csr, k, seed=seed, **options), method


def _better_than_stream(csr, k: int, seed: int, part: np.ndarray, method: str, options: dict,
                        verbose: bool) -> Tuple[np.ndarray, str]:
    """``method``'s ``part`` or the stream partition of ``csr``, whichever cuts fewer edges, and its
    method (said when ``verbose``)."""
    from .graph import edge_cut, graph_from_disk_csr

    other, _ = _partition_undirected(csr, k, "stream", seed,
                                     {key: v for key, v in options.items() if key == "imbalance"})
    g = graph_from_disk_csr(csr)
    a, b = edge_cut(g, part), edge_cut(g, other)
    m = max(csr.num_edges // 2, 1)
    if verbose:
        name = {"kaminpar": "KaMinPar"}.get(method, method)
        print(f"{name} cuts {100 * a / m:.1f}% of the edges, stream {100 * b / m:.1f}%: keeping "
              f"{name if a <= b else 'stream'}", flush=True)
    return (part, method) if a <= b else (other, "stream")


@dataclass
class Partitioning:
    """What :func:`partition` returns."""
    part: torch.Tensor  # LongTensor[num_nodes]: the part of every node
    method: str         # the method whose partition ``part`` is (never "auto")


def partition_graph(edge_index, num_nodes: Optional[int], num_parts: int, method: str = "auto",
                    seed: int = 0, **kwargs) -> torch.Tensor:
    """The part of every node as a LongTensor[num_nodes] (:func:`partition`'s ``part``)."""
    return partition(edge_index, num_nodes, num_parts, method, seed, **kwargs).part


def partition(edge_index, num_nodes: Optional[int], num_parts: int, method: str = "auto",
              seed: int = 0, *, edge_weight=None, node_weight=None, memory_gb: Optional[float] = None,
              verbose: bool = False, **options) -> Partitioning:
    """Partition a graph: the part of every node and the method that gave it.

    ``edge_index``: int [2, E] edges, or a :class:`~distgnn.partition.disk_csr.DiskCSR`
    (then ``num_nodes`` may be None). ``method``: "auto" (default: picked by
    :func:`choose_method` from the size and ``memory_gb``; ``verbose`` prints
    the choice and why), "metis" (multilevel k-way), "graclus" (multilevel with
    graclus coarsening), "kaminpar" (KaMinPar; options ``context`` "default" or
    "terapart", ``threads`` default 1 for results deterministic per seed,
    ``compare_stream`` True to keep stream's partition instead where that
    cuts fewer edges),
    "out_of_core" (multilevel within ``memory_gb``: coarsened on disk by label
    propagation until the coarse graph fits, refined on disk; options
    ``lp_passes``, ``refine_passes``, ``compare_stream``),
    "random" or "stream" (Fennel, restreamed ``passes`` times, default 3). Edges are treated as undirected for
    the cut. ``edge_weight`` [E] and ``node_weight`` [n] or [n, ncon]
    (multi-constraint balance) are honoured by metis/graclus on an edge list;
    options are passed to the method (e.g. ``imbalance=0.03``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    from .disk_csr import DiskCSR

    if isinstance(edge_index, DiskCSR):
        csr = edge_index
        if num_nodes is not None and int(num_nodes) != csr.num_nodes:
            raise ValueError(f"num_nodes must match the CSR's {csr.num_nodes}, got {num_nodes}")
        if edge_weight is not None or node_weight is not None:
            raise ValueError("edge_weight / node_weight are supported on edge lists, got them with an on-disk CSR")
        k = check_num_parts(num_parts, csr.num_nodes)
        method, options = _resolve(method, options, csr.num_nodes, csr.num_edges, memory_gb, verbose)
        if method == "out_of_core" and memory_gb is not None:
            options.setdefault("memory_gb", memory_gb)
        part, method = _partition_csr(csr, k, method, int(seed), dict(options), verbose)
        return Partitioning(torch.from_numpy(np.ascontiguousarray(part, dtype=np.int64)), method)
    ei = as_edge_array(edge_index)
    n = check_num_nodes(ei, num_nodes)
    k = check_num_parts(num_parts, n)
    if method == "auto" and (edge_weight is not None or node_weight is not None):
        method = "metis"  # the one method that honours weights
    if method == "auto":
        method, options = _resolve(method, options, n, 2 * ei.shape[1], memory_gb, verbose, in_memory=True)
    if method in ("kaminpar", "out_of_core", "stream", "random") and (edge_weight is not None or node_weight is not None):
        raise ValueError(f"edge_weight / node_weight are honoured by metis and graclus, got them with {method!r}")
    if method == "out_of_core" and memory_gb is not None:
        options.setdefault("memory_gb", memory_gb)
    ew = _edge_weight(edge_weight, ei.shape[1])
    nw = _node_weight(node_weight, n)
    if method == "random":
        from .simple import random_partition
        part = random_partition(n, k, seed)
    elif method == "stream":
        from .stream import stream_partition
        part = stream_partition(ei, n, k, seed=seed, **options)
    elif method in ("kaminpar", "out_of_core"):
        part, method = _through_disk_csr(ei, n, k, method, seed, options)
    else:
        from .metis import metis_partition
        if method == "graclus":
            options.setdefault("matching", "graclus")
        part = metis_partition(ei, n, k, seed=seed, edge_weight=ew, node_weight=nw, **options)
    return Partitioning(torch.from_numpy(np.ascontiguousarray(part, dtype=np.int64)), method)


def _resolve(method: str, options: dict, n: int, m: int, memory_gb, verbose: bool, in_memory: bool = False):
    if method != "auto":
        return method, options
    method, extra, reason = choose_method(n, m, memory_gb)
    if in_memory and method == "stream":
        reason += " (stream reads the in-memory edge list)"
    if verbose:
        print(f"partition method auto -> {method}{' ' + str(extra) if extra else ''}: {reason}", flush=True)
    opts = dict(options)
    if method != "metis":
        opts = {key: v for key, v in opts.items() if key in ("imbalance",)}
    opts.update(extra)
    return method, opts


def _through_disk_csr(ei: np.ndarray, n: int, k: int, method: str, seed: int,
                      options: dict) -> Tuple[np.ndarray, str]:
    """KaMinPar or out_of_core on an in-memory edge list: through a temporary on-disk CSR."""
    from .disk_csr import build_disk_csr

    with tempfile.TemporaryDirectory(prefix=f"distgnn-{method}-") as tmp:
        csr = build_disk_csr([ei], n, os.path.join(tmp, "csr"), num_edges_hint=ei.shape[1])
        return _partition_undirected(csr, k, method, seed, dict(options))
