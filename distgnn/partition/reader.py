"""Reading a partition store: lazy, read-only, numpy arrays loaded whole on first use."""
from __future__ import annotations

import os
from functools import cached_property
from typing import Dict, Optional

import numpy as np
import zarr

from .store import ATTR_KEY, FORMAT_VERSION

__all__ = ["PartitionStore", "PartShard", "open_store"]


class PartShard:
    """One part: CSR of its owned nodes' in-edges, halo ids, features, labels, masks."""

    def __init__(self, group: zarr.Group, part: int, lo: int, hi: int) -> None:
        self._g = group
        self.part = part
        self.lo, self.hi = lo, hi

    @property
    def num_nodes(self) -> int:
        """Number of owned nodes."""
        return self.hi - self.lo

    def _load(self, name: str) -> Optional[np.ndarray]:
        return self._g[name][...] if name in self._g else None

    @cached_property
    def rowptr(self) -> np.ndarray:
        return self._load("rowptr")

    @cached_property
    def col(self) -> np.ndarray:
        return self._load("col")

    @cached_property
    def edge_ids(self) -> np.ndarray:
        return self._load("edge_ids")

    @cached_property
    def halo_ids(self) -> np.ndarray:
        return self._load("halo_ids")

    @cached_property
    def x(self) -> Optional[np.ndarray]:
        return self._load("x")

    @cached_property
    def y(self) -> Optional[np.ndarray]:
        return self._load("y")

    @cached_property
    def masks(self) -> Dict[str, np.ndarray]:
        if "masks" not in self._g:
            return {}
        mg = self._g["masks"]
        return {name: mg[name][...] for name in sorted(mg.array_keys())}

    def __repr__(self) -> str:
        return f"PartShard(part={self.part}, nodes=[{self.lo}, {self.hi}))"


class PartitionStore:
    """A partitioned graph on disk (see :mod:`distgnn.partition.store` for the layout)."""

    def __init__(self, path: str, root: zarr.Group, meta: dict) -> None:
        self.path = path
        self._root = root
        self.meta = meta
        self._parts: Dict[int, PartShard] = {}

    num_nodes = property(lambda self: int(self.meta["num_nodes"]))
    num_edges = property(lambda self: int(self.meta["num_edges"]))
    num_parts = property(lambda self: int(self.meta["num_parts"]))

    @property
    def num_features(self) -> int:
        x = self.meta["schema"]["x"]
        return 0 if x is None else int(x["num_features"])

    @property
    def num_classes(self) -> int:
        y = self.meta["schema"]["y"]
        return 0 if y is None else int(y["num_classes"])

    @cached_property
    def node_ranges(self) -> np.ndarray:
        return self._root["book/node_ranges"][...]

    @cached_property
    def orig_ids(self) -> np.ndarray:
        return self._root["book/orig_ids"][...]

    @cached_property
    def _new_ids(self) -> np.ndarray:
        return self._root["book/new_ids"][...]

    @cached_property
    def part_weights(self) -> np.ndarray:
        """int64[k, c]: per part the number of nodes, edges (and training nodes)."""
        return self._root["book/part_weights"][...]

    def to_new(self, orig_ids) -> np.ndarray:
        """Map user ids to relabelled ids."""
        ids = np.asarray(orig_ids, dtype=np.int64)
        self._check_ids(ids)
        return self._new_ids[ids]

    def part_of(self, ids) -> np.ndarray:
        """Part owning each relabelled id."""
        ids = np.asarray(ids, dtype=np.int64)
        self._check_ids(ids)
        return np.searchsorted(self.node_ranges, ids, side="right") - 1

    def _check_ids(self, ids: np.ndarray) -> None:
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_nodes):
            raise ValueError(f"node ids must be in [0, {self.num_nodes}), got range [{ids.min()}, {ids.max()}]")

    def part(self, p: int) -> PartShard:
        """The shard of part ``p`` (opened lazily, cached)."""
        if not 0 <= int(p) < self.num_parts:
            raise ValueError(f"part must be in [0, {self.num_parts}), got {p}")
        p = int(p)
        if p not in self._parts:
            r = self.node_ranges
            self._parts[p] = PartShard(self._root[f"parts/{p}"], p, int(r[p]), int(r[p + 1]))
        return self._parts[p]

    def __repr__(self) -> str:
        return (f"PartitionStore({self.path!r}, nodes={self.num_nodes}, edges={self.num_edges}, "
                f"parts={self.num_parts}, method={self.meta['method']!r})")


def open_store(path) -> PartitionStore:
    """Open a store written by :func:`distgnn.partition.write_store` (read-only)."""
    path = os.path.abspath(os.fspath(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"expected a distgnn partition store, got no such path {path!r}")
    try:
        root = zarr.open_group(path, mode="r")
    except Exception as exc:
        raise ValueError(f"expected a distgnn partition store, got an unreadable path {path!r} ({exc})") from None
    meta = dict(root.attrs).get(ATTR_KEY)
    if not isinstance(meta, dict):
        raise ValueError(f"expected a complete distgnn partition store (attribute {ATTR_KEY!r}), "
                         f"got none at {path!r}: the store is incomplete or not a distgnn store")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"expected store format_version {FORMAT_VERSION}, got {meta.get('format_version')!r}")
    return PartitionStore(path, root, meta)
