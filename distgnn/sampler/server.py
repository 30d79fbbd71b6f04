"""A shard server: one or more parts of a graph, answering requests by global id.

The same class runs in-process (a local store or an in-memory graph) or as a
Ray actor (:mod:`distgnn.sampler.actor`). A store-backed server opens its
parts lazily, on the first request, into memory-mapped scratch files
(:mod:`distgnn.sampler.spool`), so its memory does not grow with its parts' edges.
"""
from typing import Optional, Sequence, Tuple

import numpy as np

from .cluster import induced_part_edges
from .neighbor import sample_rows
from .shard_arrays import ShardArrays

__all__ = ["ShardServer"]


class ShardServer:
    """Serves sampling, features and labels for the parts it holds.

    Build it from a store path and a list of parts (``ShardServer(path, parts)``,
    opened lazily) or from prepared arrays (``ShardServer.from_arrays``).
    """

    def __init__(self, store_path: Optional[str] = None, parts: Optional[Sequence[int]] = None) -> None:
        self._path = store_path
        self._want = None if parts is None else np.asarray(sorted(int(p) for p in parts), np.int64)
        self._arrays: Optional[ShardArrays] = None
        self._part_index: Optional[np.ndarray] = None

    @classmethod
    def from_arrays(cls, arrays: ShardArrays) -> "ShardServer":
        server = cls()
        server._set(arrays)
        return server

    # ------------------------------------------------------------------ loading
    def _set(self, arrays: ShardArrays) -> None:
        index = np.full(arrays.node_ranges.shape[0] - 1, -1, np.int64)
        index[arrays.parts] = np.arange(arrays.parts.shape[0])
        self._arrays, self._part_index = arrays, index

    def _open(self) -> ShardArrays:
        if self._arrays is None:
            from distgnn.partition import open_store
            store = open_store(self._path)
            parts = np.arange(store.num_parts) if self._want is None else self._want
            if parts.size and (parts.min() < 0 or parts.max() >= store.num_parts):
                raise ValueError(f"parts must be in [0, {store.num_parts}), got {parts.tolist()}")
            from .spool import spool_parts
            arrays, self._release = spool_parts(store, parts, self)
            self._set(arrays)
        return self._arrays

    def _rows(self, ids: np.ndarray) -> np.ndarray:
        a = self._open()
        ids = np.asarray(ids, np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= a.node_ranges[-1]):
            raise ValueError(f"node ids must be in [0, {a.node_ranges[-1]}), got range [{ids.min()}, {ids.max()}]")
        p = np.searchsorted(a.node_ranges, ids, side="right") - 1
        k = self._part_index[p]
        if ids.size and k.min() < 0:
            bad = int(ids[np.argmin(k)])
            raise ValueError(f"node {bad} belongs to part {int(p[np.argmin(k)])}, "
                             f"expected one of the parts served here {a.parts.tolist()}")
        return a.row_base[k] + ids - a.node_ranges[p]

    # ------------------------------------------------------------------ requests
    def info(self) -> dict:
        """Node ranges, parts held, which node data exist, and the Ray node this server runs on."""
        from distgnn.remote import node_id

        a = self._open()
        return {"node_ranges": a.node_ranges, "parts": a.parts, "node": node_id(),
                "num_features": 0 if a.x is None else int(a.x.shape[1]),
                "has_y": a.y is not None, "masks": sorted(a.masks)}

    def sample(self, nodes: np.ndarray, fanout: int, replace: bool, seed: int, hop: int,
               edge_ids: bool = True,
               narrow: bool = False) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
        """``(counts, nbr, e_id)``: ``fanout`` in-neighbours of each node (see
        :func:`distgnn.sampler.neighbor.sample_rows`); ``e_id`` None unless ``edge_ids``;
        ``narrow``: counts and neighbour ids as int32 (ids below 2^31), half the bytes to send."""
        a = self._open()
        nodes = np.asarray(nodes, np.int64)
        counts, nbr, eid = sample_rows(a.rowptr, a.col, a.eid if edge_ids else None,
                                       self._rows(nodes), nodes, fanout, replace, seed, hop)
        if narrow:
            counts, nbr = counts.astype(np.int32), nbr.astype(np.int32)
        return counts, nbr, eid

    def fetch(self, name: str, ids: np.ndarray, half: bool = False) -> np.ndarray:
        """Rows of ``x``, ``y`` or a mask for the given global ids; with ``half``, floating
        rows come as float16 (half the bytes on the wire; rows stored half are served float
        otherwise)."""
        a = self._open()
        table = a.masks.get(name) if name not in ("x", "y") else getattr(a, name)
        if table is None:
            raise KeyError(f"expected node data 'x', 'y' or one of the masks {sorted(a.masks)}, "
                           f"got {name!r}, which this graph does not have")
        rows = table.take(self._rows(ids), axis=0)  # take: several times faster than x[rows]
        if half and rows.dtype.kind == "f":
            return rows.astype(np.float16, copy=False)
        return rows.astype(np.float32) if rows.dtype == np.float16 else rows  # stored half, served float

    def where(self, name: str) -> np.ndarray:
        """Global ids (sorted) of the held nodes whose mask ``name`` is set."""
        a = self._open()
        if name not in a.masks:
            raise KeyError(f"expected one of the masks {sorted(a.masks)}, got {name!r}")
        ids = [np.arange(a.node_ranges[p], a.node_ranges[p + 1]) for p in a.parts]
        return np.concatenate(ids)[a.masks[name]] if ids else np.zeros(0, np.int64)

    def cluster(self, parts: np.ndarray, offsets: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edges into the held nodes of ``parts`` from any node of ``parts``,
        in batch positions (``offsets`` from :func:`~distgnn.sampler.cluster.batch_offsets`)."""
        a = self._open()
        mine = [int(p) for p in parts if self._part_index[p] >= 0]
        if not mine:
            e = np.zeros(0, np.int64)
            return e, e, e
        ids = np.concatenate([np.arange(a.node_ranges[p], a.node_ranges[p + 1]) for p in mine])
        rows = self._rows(ids)
        rowptr = np.concatenate([[0], np.cumsum(a.rowptr[rows + 1] - a.rowptr[rows])]).astype(np.int64)
        pos = _gather_rows(a.rowptr, rows, rowptr)
        return induced_part_edges(rowptr, a.col[pos], a.eid[pos], ids, a.node_ranges, offsets)

    def step(self, nodes: np.ndarray, u: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """One walk step: ``(next, degree)``, next the in-neighbour at
        ``floor(u * degree)`` (-1 for a node without neighbours)."""
        a = self._open()
        rows = self._rows(nodes)
        start = a.rowptr[rows]
        deg = a.rowptr[rows + 1] - start
        if a.col.shape[0] == 0:
            return np.full(rows.shape[0], -1, np.int64), deg
        k = np.minimum((np.asarray(u) * deg).astype(np.int64), np.maximum(deg - 1, 0))
        nxt = np.where(deg > 0, a.col[np.minimum(start + k, a.col.shape[0] - 1)], -1)
        return nxt.astype(np.int64), deg

    def has_edge(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Whether each edge ``src -> dst`` exists (``dst`` held here)."""
        a = self._open()
        return _has_edges(a.rowptr, a.col, self._rows(dst), np.asarray(src, np.int64))

    def walk_round(self, message: dict) -> dict:
        """One round of walks held here (see :mod:`distgnn.sampler.walk_messages`)."""
        from .walk_messages import run_walk_round
        a = self._open()
        return run_walk_round(a, self._part_index, message)

    def ping(self) -> bool:
        return True

    def node(self) -> str:
        """The Ray node this server runs on."""
        from distgnn.remote import node_id

        return node_id()

    def close(self) -> None:
        """Drop the parts and remove their scratch files (a later request reopens them)."""
        release = getattr(self, "_release", None)
        self._arrays = self._part_index = self._release = None
        if release is not None:
            release()


def _gather_rows(rowptr: np.ndarray, rows: np.ndarray, out_ptr: np.ndarray) -> np.ndarray:
    lens = out_ptr[1:] - out_ptr[:-1]
    return np.repeat(rowptr[rows] - out_ptr[:-1], lens) + np.arange(out_ptr[-1], dtype=np.int64)


def _has_edges(rowptr: np.ndarray, col: np.ndarray, rows: np.ndarray, src: np.ndarray) -> np.ndarray:
    from ._walk_kernels import has_entries
    return has_entries(rowptr, col, rows, src)
