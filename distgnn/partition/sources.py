"""Graph sources: edge files or generator specs (``rmat:SCALE``...), both read as edge chunks.

:func:`open_source` is the one way the command line gets a graph: it returns an
:class:`EdgeSource` whose ``chunks()`` yields int [2, c] edge chunks (ids int32
below 2**31 nodes for generators, int64 from files) without holding the graph.
Generator specs stream their raw samples (see :mod:`distgnn.data.generators`);
files are read by :func:`distgnn.partition.ingest.read_edges`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Tuple

import numpy as np

__all__ = ["GENERATORS", "is_generator_spec", "parse_spec", "open_source", "EdgeSource", "generate"]

GENERATORS = {
    "rmat": "rmat:SCALE[:EDGE_FACTOR]",
    "planted": "planted:NUM_NODES:NUM_BLOCKS[:AVG_DEGREE]",
    "grid": "grid:HEIGHT:WIDTH",
}


@dataclass
class EdgeSource:
    """A re-readable stream of edge chunks.

    ``num_nodes`` is None for a file read without ``--num-nodes`` (scan it with
    :func:`distgnn.partition.ingest.scan_num_nodes`); ``num_rows`` is the number
    of edges in the stream when known up front (else an estimate or None);
    ``blocks`` the planted block of every node (generators only).
    """

    chunks: Callable[[], Iterator[np.ndarray]]
    num_nodes: Optional[int]
    num_rows: Optional[int]
    description: str
    blocks: Optional[np.ndarray] = None


def is_generator_spec(text: str) -> bool:
    """True for ``name:...`` where name is a known generator."""
    return text.split(":", 1)[0] in GENERATORS and ":" in text


def _numbers(parts, spec: str, lo: int, hi: int):
    if not lo <= len(parts) <= hi:
        raise ValueError(f"generator spec must look like {GENERATORS[spec.split(':')[0]]}, got {spec!r}")
    try:
        return [float(p) if "." in p else int(p) for p in parts]
    except ValueError:
        raise ValueError(f"generator spec must hold numbers, got {spec!r}") from None


def parse_spec(spec: str) -> Tuple[str, list]:
    """``(name, numbers)`` of a generator spec, defaults filled in (rmat edge factor 16, planted degree 10)."""
    name, *args = spec.split(":")
    if name not in GENERATORS:
        raise ValueError(f"generator must be one of {', '.join(GENERATORS)}, got {spec!r}")
    if name == "rmat":
        a = _numbers(args, spec, 1, 2)
        return name, [int(a[0]), int(a[1]) if len(a) > 1 else 16]
    if name == "planted":
        a = _numbers(args, spec, 2, 3)
        return name, [int(a[0]), int(a[1]), float(a[2]) if len(a) > 2 else 10.0]
    a = _numbers(args, spec, 2, 2)
    return name, [int(a[0]), int(a[1])]


def _generator_source(spec: str, seed: int) -> EdgeSource:
    from distgnn.data import generators as gen

    name, a = parse_spec(spec)
    if name == "rmat":
        gen._check_rmat(a[0], a[1], 0.57, 0.19, 0.19)
        return EdgeSource(lambda: gen.rmat_edge_chunks(a[0], a[1], seed=seed), 1 << a[0], a[1] << a[0], spec)
    if name == "planted":
        gen._check_planted(a[0], a[1], a[2], 25.0)
        blocks = gen.planted_blocks(a[0], a[1], seed)
        return EdgeSource(lambda: gen.planted_edge_chunks(blocks, a[1], a[2], seed=seed), a[0],
                          int(round(a[0] * a[2] / 2)), spec, blocks)
    ei = gen.grid_edge_index(a[0], a[1]).numpy()
    return EdgeSource(lambda: iter((ei,)), a[0] * a[1], ei.shape[1], spec)


def open_source(text: str, *, seed: int = 0, num_nodes: Optional[int] = None,
                chunk_rows: Optional[int] = None) -> EdgeSource:
    """The :class:`EdgeSource` of an edge file or generator spec; ``num_nodes`` overrides the spec's."""
    from .ingest import DEFAULT_CHUNK_ROWS, count_edge_rows, read_edges

    if is_generator_spec(text):
        src = _generator_source(text, seed)
        if num_nodes is not None:
            if num_nodes < src.num_nodes:
                raise ValueError(f"--num-nodes must be at least the generator's {src.num_nodes} nodes, "
                                 f"got {num_nodes} for {text!r}")
            src.num_nodes = int(num_nodes)
        return src
    rows = chunk_rows or DEFAULT_CHUNK_ROWS
    path = os.fspath(text)
    hint = count_edge_rows(path)
    return EdgeSource(lambda: read_edges(path, chunk_rows=rows), num_nodes, hint, os.path.basename(path))


def generate(spec: str, seed: int = 0) -> Tuple[np.ndarray, int, Optional[np.ndarray]]:
    """In memory: ``(edge_index int64 [2, E], num_nodes, blocks or None)`` of a generator spec,
    symmetrised, without self loops and duplicates (small graphs, tests and benches)."""
    from distgnn.data.generators import coalesce_numpy

    src = _generator_source(spec, seed)
    ei = np.concatenate(list(src.chunks()), axis=1)
    ei = coalesce_numpy(ei[0], ei[1], src.num_nodes, symmetric=True, remove_self_loops=True).numpy()
    blocks = None if src.blocks is None else src.blocks.astype(np.int64)
    return ei, src.num_nodes, blocks
