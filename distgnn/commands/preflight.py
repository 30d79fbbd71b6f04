"""Checks a command makes before any work: does it fit in this machine's memory?

The sizes known up front (``--num-nodes``, a generator spec, the ``data.generator``
section) give the memory of the cheapest path that could run (the partitioners'
measured model, :data:`distgnn.partition.api.MEMORY_MODEL`, plus the node features);
when that exceeds the memory available now, the command stops with one line
naming both, instead of failing with ``MemoryError`` (or the kernel's OOM
killer) after minutes of work.
"""
from __future__ import annotations

from typing import Optional, Tuple

from distgnn.partition.memory import available_bytes  # re-exported: the one reading of it

__all__ = ["NotEnoughMemoryError", "available_bytes", "check_memory", "partition_need",
           "check_partition", "check_train"]


class NotEnoughMemoryError(MemoryError):
    """The work asked for needs more memory than this machine has available."""


def _gb(num_bytes: float) -> str:
    return f"{num_bytes / 2**30:.1f} GB"


def check_memory(need: float, what: str, fix: str) -> None:
    """Raise :class:`NotEnoughMemoryError` when ``need`` bytes exceed the memory available."""
    avail = available_bytes()
    if need > avail:
        raise NotEnoughMemoryError(f"{what} needs about {_gb(need)} of memory, {_gb(avail)} are "
                                   f"available on this machine; {fix}")


def _method_model(method: str, context: str = "default") -> str:
    """The :data:`MEMORY_MODEL` entry of a partitioning method (the cheapest for ``auto``)."""
    if method == "kaminpar":
        return "kaminpar-terapart" if context == "terapart" else "kaminpar"
    if method in ("metis", "graclus", "out_of_core"):
        return method if method == "out_of_core" else "metis"
    return "stream"  # auto falls back to it; random needs no more


def partition_need(method: str, num_nodes: int, num_edges: int, context: str = "default",
                   feature_bytes: float = 0.0) -> Tuple[float, str]:
    """``(bytes, model name)`` the partition of such a graph needs at least."""
    from distgnn.partition.api import estimate_bytes

    model = _method_model(method, context)
    return estimate_bytes(model, num_nodes, num_edges) + feature_bytes, model


def _spec_size(text: str) -> Optional[Tuple[int, int]]:
    """``(nodes, directed edges)`` of a generator spec, or None for an edge file."""
    from distgnn.partition.sources import is_generator_spec, parse_spec

    if not is_generator_spec(text):
        return None
    name, a = parse_spec(text)
    if name == "rmat":
        return 1 << a[0], 2 * (a[1] << a[0])
    if name == "planted":
        return a[0], int(a[0] * a[2])
    return a[0] * a[1], 4 * a[0] * a[1]  # grid: about four neighbours each


def check_partition(args) -> None:
    """``distgnn partition``: refuse a graph whose known size cannot fit before reading it."""
    size = _spec_size(args.input)
    nodes = args.num_nodes if args.num_nodes is not None else (size[0] if size else None)
    if nodes is None:
        return  # an edge file: its size is known only after reading it (in bounded memory)
    edges = size[1] if size else 0
    need, model = partition_need(args.method, int(nodes), edges, args.kaminpar_context)
    check_memory(need, f"partitioning {nodes} nodes ({args.method}, at least the {model} path)",
                 "lower --num-nodes or the generator's size, or use a machine with more memory")


def check_train(cfg) -> None:
    """``distgnn train``: refuse a generated graph that cannot fit before generating it."""
    data = cfg.data
    if data.store or data.input:
        return
    g = data.generator
    if g.name == "rmat":
        nodes, edges = 1 << g.scale, 2 * (g.edge_factor << g.scale)
    else:
        nodes, edges = g.num_nodes, int(g.num_nodes * g.avg_degree)
    features = 4.0 * nodes * g.num_features * 2  # generated, then stored per part
    need, model = partition_need(data.method, nodes, edges, feature_bytes=features)
    check_memory(need, f"generating and partitioning {nodes} nodes, {edges} edges and "
                       f"{g.num_features} features ({data.method}, at least the {model} path)",
                 "lower data.generator's size or use a machine with more memory")
