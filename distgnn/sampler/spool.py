"""A shard server's parts, decompressed once into memory-mapped scratch files.

A server concatenates its parts' CSR (rowptr, col, edge ids) and features into
``.npy`` files in a scratch directory, streaming the store chunk by chunk, and
serves from memory maps of them. Its own memory is then O(nodes held) for the
per-node vectors (labels, masks, row offsets) whatever the size of its edges and
features: those pages belong to the OS's page cache, which is shared and
reclaimed under pressure. The scratch directory carries distgnn's marker and is
removed when the server goes away, or by the next server on this machine when
its process died. ``DISTGNN_SCRATCH`` names where scratch directories go
(default: the system's temporary directory).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from typing import Optional, Sequence

import numpy as np

from distgnn.ownership import mark_owned, remove_stale

__all__ = ["SPOOL_KIND", "scratch_root", "spool_parts", "remove_stale_spools"]

#: marker kind of a server's scratch directory
SPOOL_KIND = "shard-spool"
_PREFIX = "distgnn-spool-"


def scratch_root() -> str:
    """Where scratch directories go: ``$DISTGNN_SCRATCH`` or the system's temporary directory."""
    return os.environ.get("DISTGNN_SCRATCH") or tempfile.gettempdir()


def remove_stale_spools(root: Optional[str] = None) -> None:
    """Remove scratch directories of servers whose process no longer runs."""
    remove_stale(root or scratch_root(), (_PREFIX,), SPOOL_KIND)


def _stream(dst: np.ndarray, start: int, shard, name: str) -> int:
    """Copy array ``name`` of ``shard`` into ``dst[start:]`` chunk by chunk; returns the end."""
    pos = start
    for block in shard.blocks(name):
        dst[pos:pos + block.shape[0]] = block
        pos += block.shape[0]
    return pos


def _open_npy(directory: str, name: str, shape, dtype) -> np.ndarray:
    return np.lib.format.open_memmap(os.path.join(directory, f"{name}.npy"), mode="w+",
                                     dtype=dtype, shape=tuple(shape))


def _edges(directory: str, store, parts: Sequence[int], shards) -> tuple:
    """The parts' columns (in the store's dtype: int32 where ids fit) and edge ids: spooled
    where the store keeps them, else numbered by their place in the store; plain views of
    the memory maps (what numba kernels take)."""
    from .shard_arrays import PartEdgeIds

    nnz = [int(store.part_weights[p, 1]) for p in parts]
    total = int(sum(nnz))
    dtypes = {s.dtype("col") for s in shards}
    col = _open_npy(directory, "col", (total,), dtypes.pop() if len(dtypes) == 1 else np.int64)
    kept = all(s.has("edge_ids") for s in shards) and bool(shards)
    eid = _open_npy(directory, "eid", (total,), np.int64) if kept else None
    pos, starts = 0, []
    for shard, m in zip(shards, nnz):
        _stream(col, pos, shard, "col")
        if kept:
            _stream(eid, pos, shard, "edge_ids")
        starts.append(pos)
        pos += m
    col.flush()
    if not kept:
        offsets = [int(store.part_weights[:p, 1].sum()) for p in parts]
        return _ndarray_view(col), PartEdgeIds(np.array(starts, np.int64), np.array(offsets, np.int64))
    eid.flush()
    return _ndarray_view(col), _ndarray_view(eid)


def _features(directory: str, shards) -> Optional[np.ndarray]:
    if not shards or any(not s.has("x") for s in shards):
        return None
    rows = sum(s.num_nodes for s in shards)
    first = shards[0]
    x = _open_npy(directory, "x", (rows,) + first.shape("x")[1:], first.dtype("x"))
    pos = 0
    for s in shards:
        pos = _stream(x, pos, s, "x")
    x.flush()
    return x


def _ndarray_view(mm: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """A plain ndarray view of a memory map (what numba kernels take), sharing its pages."""
    return None if mm is None else mm.view(np.ndarray)


def spool_parts(store, parts: np.ndarray, owner: object):
    """``(arrays, release)``: the :class:`~distgnn.sampler.server.ShardArrays` of ``parts``
    backed by memory-mapped files, and a callable that removes them.

    The scratch directory lives as long as ``owner`` (the server) does, or until
    ``release()``.
    """
    from .shard_arrays import ShardArrays

    remove_stale_spools()
    directory = tempfile.mkdtemp(prefix=_PREFIX, dir=scratch_root())
    release = weakref.finalize(owner, shutil.rmtree, directory, True)
    mark_owned(directory, SPOOL_KIND)
    shards = [store.part(int(p)) for p in parts]
    sizes = np.array([s.num_nodes for s in shards], np.int64)
    row_base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rowptrs, offset = [np.zeros(1, np.int64)], 0
    for s in shards:
        rp = np.asarray(s.rowptr, np.int64)
        rowptrs.append(rp[1:] + offset)
        offset += int(rp[-1])
    col, eid = _edges(directory, store, [int(p) for p in parts], shards)
    ys = [s.y for s in shards]
    y = None if not shards or any(v is None for v in ys) else np.concatenate(ys)
    names = set.intersection(*[set(s.masks) for s in shards]) if shards else set()
    masks = {m: np.concatenate([s.masks[m] for s in shards]) for m in sorted(names)}
    arrays = ShardArrays(np.asarray(store.node_ranges, np.int64), parts, row_base,
                         np.concatenate(rowptrs), col, eid,
                         _ndarray_view(_features(directory, shards)), y, masks)
    return arrays, release
