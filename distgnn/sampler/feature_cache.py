"""A replica-side cache of the most-visited nodes' features.

Neighbour sampling keeps coming back to the same high-degree nodes, and over
shard servers every visit ships their feature rows again. A
:class:`FeatureCache` keeps the rows of the hottest nodes (by degree, or by
visits counted in a warm-up) in the replica's memory, up to a configured size
in MB, and fetches only the other rows from the servers. Cached rows are copied
from the servers once, so :meth:`FeatureCache.fetch` returns exactly what the
store holds. A lookup is one gather from a dense int32 map (node -> cached row,
-1 when absent: 4 bytes per node of the graph) instead of a binary search, which
costs a cache miss per probe. ``stats()`` reports hits, misses, bytes fetched and
fetch time.
"""
from __future__ import annotations

import threading
import time
from typing import Dict, Optional, Tuple

import numpy as np

__all__ = ["FeatureCache", "hot_nodes", "store_in_degrees", "visit_counts", "rows_that_fit",
           "optional_cache"]

_MB = 1 << 20
_FILL_CHUNK = 1 << 16


def rows_that_fit(capacity_mb: float, row_bytes: int) -> int:
    """How many rows of ``row_bytes`` (plus an 8-byte id each) fit in ``capacity_mb``."""
    if isinstance(capacity_mb, bool) or not isinstance(capacity_mb, (int, float)) or capacity_mb < 0:
        raise ValueError(f"cache size must be a number of MB >= 0, got {capacity_mb!r}")
    return int(capacity_mb * _MB) // (int(row_bytes) + 8)


def hot_nodes(score: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` highest-scoring nodes (ties to the lower id), sorted by id."""
    score = np.asarray(score)
    if score.ndim != 1:
        raise ValueError(f"node scores must be 1-D, got shape {score.shape}")
    k = min(max(int(k), 0), score.shape[0])
    if k == 0:
        return np.zeros(0, np.int64)
    # stable sort on -score keeps lower ids first among equal scores
    order = np.argsort(-score.astype(np.float64), kind="stable")[:k]
    return np.sort(order).astype(np.int64)


def store_in_degrees(store) -> np.ndarray:
    """In-degree of every node of a partition store (store numbering), from the parts' row offsets.

    Reads one part's ``rowptr`` at a time: memory O(num_nodes). On an undirected
    graph (the usual case for node classification) in- and out-degree agree, so
    this is how often sampling visits a node as a neighbour, up to fan-out caps.
    """
    out = np.empty(store.num_nodes, np.int64)
    for p in range(store.num_parts):
        shard = store.part(p)
        rowptr = np.asarray(shard.rowptr, np.int64)
        out[shard.lo:shard.hi] = np.diff(rowptr)
    return out


def visit_counts(loader, num_batches: int) -> np.ndarray:
    """How often each node appears in ``n_id`` of the first ``num_batches`` batches of ``loader``
    (a :class:`~distgnn.sampler.NeighborLoader`; its epoch counter moves on by one)."""
    counts = np.zeros(loader.client.num_nodes, np.int64)
    for i, batch in enumerate(loader):
        if i >= num_batches:
            break
        counts += np.bincount(batch.n_id.numpy(), minlength=counts.shape[0])
    loader.close()
    return counts


class FeatureCache:
    """Node data ``name`` of ``hot`` nodes held in memory; other rows fetched from ``client``.

    ``client`` is a :class:`~distgnn.sampler.ShardClient`; ``hot`` the node ids to
    keep, hottest first or not (see :func:`hot_nodes`), at most ``capacity_mb``
    worth of rows (extra ids are dropped from the end). Use :meth:`by_score` to
    pick the ids. Thread-safe (the loaders fetch on a background thread).
    """

    def __init__(self, client, hot: np.ndarray, capacity_mb: float, name: str = "x") -> None:
        self.client, self.name = client, name
        probe = client.fetch(name, np.zeros(1, np.int64))
        self.row_shape, self.dtype = probe.shape[1:], probe.dtype
        self.row_bytes = int(probe.dtype.itemsize * int(np.prod(probe.shape[1:], dtype=np.int64)))
        self.capacity_mb = float(capacity_mb)
        hot = client.check_ids(np.asarray(hot, np.int64), "cached node ids")
        hot = hot[:rows_that_fit(capacity_mb, self.row_bytes)]
        self._ids = np.unique(hot)
        self._rows = np.empty((self._ids.shape[0],) + self.row_shape, self.dtype)
        for a in range(0, self._ids.shape[0], _FILL_CHUNK):
            self._rows[a:a + _FILL_CHUNK] = client.fetch(name, self._ids[a:a + _FILL_CHUNK])
        self._slot = np.full(client.num_nodes, -1, np.int32)
        self._slot[self._ids] = np.arange(self._ids.shape[0], dtype=np.int32)
        self._lock = threading.Lock()
        self.reset_stats()

    @classmethod
    def by_score(cls, client, score: np.ndarray, capacity_mb: float, name: str = "x") -> "FeatureCache":
        """A cache of the highest-``score`` nodes (degrees or warm-up visit counts) that fit."""
        score = np.asarray(score)
        if score.shape != (client.num_nodes,):
            raise ValueError(f"expected one score per node, shape ({client.num_nodes},), got {score.shape}")
        row = cls._row_bytes(client, name)
        return cls(client, hot_nodes(score, rows_that_fit(capacity_mb, row)), capacity_mb, name)

    @classmethod
    def holding(cls, client, ids: np.ndarray, name: str = "y") -> "FeatureCache":
        """A cache of exactly the rows of ``ids`` (e.g. the labels of a replica's seed nodes)."""
        ids = np.unique(np.asarray(ids, np.int64))
        mb = ids.shape[0] * (cls._row_bytes(client, name) + 8) / _MB
        return cls(client, ids, mb * (1 + 1e-9) + 1e-9, name)

    @staticmethod
    def _row_bytes(client, name: str) -> int:
        probe = client.fetch(name, np.zeros(1, np.int64))
        return int(probe.dtype.itemsize * int(np.prod(probe.shape[1:], dtype=np.int64)))

    # ------------------------------------------------------------------ lookup
    @property
    def num_cached(self) -> int:
        return int(self._ids.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held: the rows and their ids (the node -> row map aside)."""
        return int(self._rows.nbytes + self._ids.nbytes)

    def contains(self, ids: np.ndarray) -> np.ndarray:
        """Whether each id's row is cached."""
        return self._positions(np.asarray(ids, np.int64))[1]

    def _positions(self, ids: np.ndarray):
        pos = self._slot.take(ids)
        return pos, pos >= 0

    def fetch(self, ids: np.ndarray) -> np.ndarray:
        """Rows of ``ids`` (any order, repeats allowed): cached ones copied, the rest fetched."""
        return self.fetch_counted(ids)[0]

    def fetch_counted(self, ids: np.ndarray) -> Tuple[np.ndarray, int]:
        """``(rows, misses)``: :meth:`fetch` and how many of the rows came from the servers."""
        t0 = time.perf_counter()
        ids = self.client.check_ids(ids)
        pos, hit = self._positions(ids)
        n_miss = ids.shape[0] - int(np.count_nonzero(hit))
        if n_miss == 0:
            out = self._rows.take(pos, axis=0)
        else:
            out = np.empty((ids.shape[0],) + self.row_shape, self.dtype)
            out[hit] = self._rows.take(pos[hit], axis=0)
            miss = ~hit
            out[miss] = self.client.fetch(self.name, ids[miss])
        with self._lock:
            self._hits += ids.shape[0] - n_miss
            self._misses += n_miss
            self._fetch_s += time.perf_counter() - t0
        return out, n_miss

    # ------------------------------------------------------------------ statistics
    def reset_stats(self) -> None:
        with self._lock:
            self._hits = self._misses = 0
            self._fetch_s = 0.0

    def stats(self) -> Dict[str, float]:
        """``hits``, ``misses``, ``hit_rate``, ``bytes_fetched`` (rows shipped from the servers)
        and ``fetch_s`` (time in :meth:`fetch`) since the last :meth:`reset_stats`."""
        with self._lock:
            total = self._hits + self._misses
            return {"hits": float(self._hits), "misses": float(self._misses),
                    "hit_rate": self._hits / total if total else 0.0,
                    "bytes_fetched": float(self._misses * self.row_bytes), "fetch_s": self._fetch_s}

    def __repr__(self) -> str:
        return (f"FeatureCache({self.name!r}, rows={self.num_cached}, "
                f"{self.nbytes / _MB:.1f} of {self.capacity_mb:g} MB)")


def optional_cache(client, store, capacity_mb: float, name: str = "x",
                   remote_only: bool = True) -> Optional[FeatureCache]:
    """A degree-ranked cache of ``capacity_mb`` over ``client``; None when 0 MB, without
    features, or (``remote_only``) when the client reads the store in this process, where
    the features are memory-mapped already and a cache would only copy them."""
    if capacity_mb <= 0 or not client.num_features or (remote_only and not client.remote):
        return None
    return FeatureCache.by_score(client, store_in_degrees(store), capacity_mb, name)
