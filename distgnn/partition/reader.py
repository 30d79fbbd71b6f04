"""Reading a partition store: lazy, read-only, numpy arrays loaded whole on first use.

Opening cross-checks the metadata against the arrays (part groups, node ranges,
book sizes); opening a part checks that every chunk of its arrays is on disk,
and every read verifies the chunks' checksums (format 2), so a damaged store
fails with :class:`StoreCorruptError` instead of serving zeros or garbage.
"""
from __future__ import annotations

import os
from functools import cached_property
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import zarr

from ._zarr import StoreCorruptError, check_chunks, read_array
from .store import ATTR_KEY, FORMAT_VERSION, READABLE_VERSIONS

__all__ = ["PartitionStore", "PartShard", "open_store", "StoreCorruptError"]


class PartShard:
    """One part: CSR of its owned nodes' in-edges, halo ids, features, labels, masks."""

    def __init__(self, group: zarr.Group, part: int, lo: int, hi: int, edge_offset: int = 0) -> None:
        self._g = group
        self.part = part
        self.lo, self.hi = lo, hi
        self._edge_offset = edge_offset
        self._check()

    def _check(self) -> None:
        """Cross-check this part's arrays against its node range; every chunk must be on disk."""
        n = self.hi - self.lo
        expect = {"rowptr": n + 1, "x": n, "y": n}
        for name in self._g.array_keys():
            arr = self._g[name]
            where = f"parts/{self.part}/{name}"
            if name in expect and arr.shape[0] != expect[name]:
                raise StoreCorruptError(f"{where}: expected {expect[name]} rows for nodes "
                                        f"[{self.lo}, {self.hi}), got {arr.shape[0]}")
            check_chunks(arr, where)
        if "masks" in self._g:
            for name in self._g["masks"].array_keys():
                arr = self._g["masks"][name]
                if arr.shape[0] != n:
                    raise StoreCorruptError(f"parts/{self.part}/masks/{name}: expected {n} rows, "
                                            f"got {arr.shape[0]}")
                check_chunks(arr, f"parts/{self.part}/masks/{name}")

    @property
    def num_nodes(self) -> int:
        """Number of owned nodes."""
        return self.hi - self.lo

    # -- reading without caching: the arrays by name ("col", "x", "masks/train", ...)
    def _array(self, name: str) -> zarr.Array:
        group, _, leaf = name.rpartition("/")
        g = self._g[group] if group else self._g
        if leaf not in g or not isinstance(g[leaf], zarr.Array):
            raise KeyError(f"parts/{self.part} holds no array {name!r} (it holds "
                           f"{sorted(self.array_names())})")
        return g[leaf]

    def array_names(self) -> List[str]:
        """The arrays of this part: ``rowptr``, ``col``, ``halo_ids``, ``x``, ``y``,
        ``edge_ids`` where kept, ``masks/NAME`` per mask."""
        names = sorted(self._g.array_keys())
        if "masks" in self._g:
            names += [f"masks/{m}" for m in sorted(self._g["masks"].array_keys())]
        return names

    def has(self, name: str) -> bool:
        return name in self.array_names()

    def shape(self, name: str) -> Tuple[int, ...]:
        return tuple(self._array(name).shape)

    def dtype(self, name: str) -> np.dtype:
        return np.dtype(self._array(name).dtype)

    def read(self, name: str, rows: slice = slice(None)) -> np.ndarray:
        """Rows ``rows`` of array ``name``, checksums verified, not cached."""
        return read_array(self._array(name), f"parts/{self.part}/{name}", rows)

    def blocks(self, name: str) -> Iterator[np.ndarray]:
        """Array ``name`` in blocks of its chunk rows, in order (memory: one chunk)."""
        arr = self._array(name)
        step = max(1, arr.chunks[0])
        for a in range(0, arr.shape[0], step):
            yield read_array(arr, f"parts/{self.part}/{name}", slice(a, a + step))

    def _load(self, name: str) -> Optional[np.ndarray]:
        return self.read(name) if name in self._g else None

    @cached_property
    def rowptr(self) -> np.ndarray:
        return self._load("rowptr")

    @cached_property
    def col(self) -> np.ndarray:
        return self._load("col")

    @cached_property
    def edge_ids(self) -> np.ndarray:
        """Ids of the in-edges: as ingested when the store kept them, else store positions."""
        kept = self._load("edge_ids")
        if kept is not None:
            return kept
        return np.arange(self._edge_offset, self._edge_offset + self.col.shape[0], dtype=np.int64)

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
        return {name: read_array(mg[name], f"parts/{self.part}/masks/{name}")
                for name in sorted(mg.array_keys())}

    def __repr__(self) -> str:
        return f"PartShard(part={self.part}, nodes=[{self.lo}, {self.hi}))"


_BOOK = ("orig_ids", "new_ids", "node_ranges", "part_weights")
_META_KEYS = ("format_version", "num_nodes", "num_edges", "num_parts", "method", "schema")


class PartitionStore:
    """A partitioned graph on disk (see :mod:`distgnn.partition.store` for the layout)."""

    def __init__(self, path: str, root: zarr.Group, meta: dict) -> None:
        self.path = path
        self._root = root
        self.meta = meta
        self._parts: Dict[int, PartShard] = {}
        self._checked: set = set()
        self._check()

    def _book(self, name: str) -> np.ndarray:
        return self.read_book(name)

    def read_book(self, name: str, rows: slice = slice(None)) -> np.ndarray:
        """Rows ``rows`` of book array ``name`` (``orig_ids``, ``new_ids``, ``node_ranges``,
        ``part_weights``), checksums verified, not cached: the way to read ids of a huge
        graph a chunk at a time."""
        if name not in _BOOK:
            raise KeyError(f"expected a book array, one of {', '.join(_BOOK)}, got {name!r}")
        arr = self._root[f"book/{name}"]
        if name not in self._checked:  # once per array: a missing chunk is an error
            check_chunks(arr, f"book/{name}")
            self._checked.add(name)
        return read_array(arr, f"book/{name}", rows)

    def _check(self) -> None:
        """Cross-check the metadata against the book and the part groups."""
        missing = [key for key in _META_KEYS if key not in self.meta]
        if missing:
            raise StoreCorruptError(f"{self.path}: store metadata lacks {missing} — the store is damaged")
        k, n = self.num_parts, self.num_nodes
        groups = set(self._root["parts"].group_keys()) if "parts" in self._root else set()
        if groups != {str(p) for p in range(k)}:
            raise StoreCorruptError(f"{self.path}: metadata says num_parts={k}, but the store holds "
                                    f"{len(groups)} part groups — the store is damaged")
        r = self.node_ranges
        if r.shape != (k + 1,) or r[0] != 0 or r[-1] != n or np.any(np.diff(r) < 0):
            raise StoreCorruptError(f"{self.path}: book/node_ranges must rise from 0 to num_nodes={n} "
                                    f"in {k + 1} entries, got {r.shape[0]} entries ending at {r[-1]}")
        for name in ("orig_ids", "new_ids"):
            if self._root[f"book/{name}"].shape != (n,):
                raise StoreCorruptError(f"{self.path}: book/{name} must have num_nodes={n} entries, "
                                        f"got {self._root[f'book/{name}'].shape[0]}")
        edges = int(self.part_weights[:, 1].sum())
        if edges != self.num_edges:
            raise StoreCorruptError(f"{self.path}: metadata says num_edges={self.num_edges}, the parts "
                                    f"hold {edges} — the store is damaged")

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
        return self._book("node_ranges").astype(np.int64)

    @cached_property
    def orig_ids(self) -> np.ndarray:
        return self._book("orig_ids").astype(np.int64, copy=False)

    @cached_property
    def _new_ids(self) -> np.ndarray:
        return self._book("new_ids").astype(np.int64, copy=False)

    @cached_property
    def part_weights(self) -> np.ndarray:
        """int64[k, c]: per part the number of nodes, edges (and training nodes)."""
        return self._book("part_weights")

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
            offset = int(self.part_weights[:p, 1].sum())
            self._parts[p] = PartShard(self._root[f"parts/{p}"], p, int(r[p]), int(r[p + 1]), offset)
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
    version = meta.get("format_version")
    if version not in READABLE_VERSIONS:
        raise ValueError(f"expected store format_version in {list(READABLE_VERSIONS)} (this distgnn "
                         f"writes {FORMAT_VERSION}), got {version!r}: rewrite the store with this "
                         "version's `distgnn partition`")
    return PartitionStore(path, root, meta)
