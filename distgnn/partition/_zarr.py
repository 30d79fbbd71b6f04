"""Small helpers around zarr v3 arrays: measured chunk and codec defaults, checked reads.

Every chunk is zstd-compressed and followed by a crc32c checksum (zarr's
``crc32c`` codec), so a flipped byte fails the read instead of returning
garbage; every chunk is written, even one of zeros, so a missing chunk file is
detectable (zarr would otherwise return the fill value in its place).
"""
from __future__ import annotations

import numpy as np
import zarr
from zarr.codecs import Crc32cCodec, ZstdCodec

from ._validate import id_dtype

__all__ = ["CHUNK_ELEMS", "ZSTD_LEVEL", "StoreCorruptError", "id_dtype", "put_array", "read_array",
           "check_chunks", "ArrayAppender"]

#: elements per chunk along the first axis of 1-D arrays (4 MiB of int32, 8 MiB of int64)
CHUNK_ELEMS = 1 << 20
#: zstd level: level 1 keeps most of the size reduction at a fraction of the cost
ZSTD_LEVEL = 1


class StoreCorruptError(ValueError):
    """A store's array is damaged: a chunk is missing or fails its checksum."""


def _create(group: zarr.Group, name: str, shape: tuple, dtype) -> zarr.Array:
    row_elems = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    rows = max(1, min(shape[0], CHUNK_ELEMS // max(1, row_elems)))
    chunks = tuple(max(1, c) for c in (rows,) + tuple(shape[1:]))
    return group.create_array(name, shape=shape, dtype=dtype, chunks=chunks,
                              compressors=[ZstdCodec(level=ZSTD_LEVEL), Crc32cCodec()], fill_value=0,
                              config={"write_empty_chunks": True})


def put_array(group: zarr.Group, name: str, data: np.ndarray, dtype=None) -> None:
    """Write ``data`` (cast to ``dtype`` if given) as a checksummed array ``name`` under ``group``."""
    data = np.ascontiguousarray(data, dtype=dtype)
    arr = _create(group, name, data.shape, data.dtype)
    if data.size:
        arr[...] = data


class ArrayAppender:
    """A 1-D array of known ``length`` written front to back in pieces, whole chunks at a time.

    The array is created as :func:`put_array` creates it, and every chunk holds
    the same values, so the stored chunks are the same bytes. Holds at most
    ``flush_chunks`` chunks plus the last piece appended.
    """

    def __init__(self, group: zarr.Group, name: str, length: int, dtype, flush_chunks: int = 1) -> None:
        self.arr = _create(group, name, (int(length),), np.dtype(dtype))
        self.length, self.dtype, self.done = int(length), np.dtype(dtype), 0
        self.chunk = self.arr.chunks[0]
        self.flush_elems = self.chunk * max(1, int(flush_chunks))
        self._pending, self._held = [], 0

    def append(self, data: np.ndarray) -> None:
        """Add the next ``len(data)`` elements."""
        if data.shape[0] == 0:
            return
        if self.done + self._held + data.shape[0] > self.length:
            raise ValueError(f"array {self.arr.name!r} holds {self.length} elements, got "
                             f"{self.done + self._held + data.shape[0]}")
        self._pending.append(np.array(data, self.dtype, copy=True))
        self._held += data.shape[0]
        if self._held >= self.flush_elems:
            self._write(final=False)

    def _write(self, final: bool) -> None:
        buf = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        take = self._held if final else (self._held // self.chunk) * self.chunk
        self.arr[self.done:self.done + take] = buf[:take]
        self.done += take
        self._pending = [buf[take:]] if take < self._held else []
        self._held -= take

    def close(self) -> None:
        """Write what is held; the array must be complete."""
        if self._held:
            self._write(final=True)
        if self.done != self.length:
            raise ValueError(f"array {self.arr.name!r} holds {self.length} elements, got {self.done}")


def _checksummed(arr: zarr.Array) -> bool:
    return any(isinstance(c, Crc32cCodec) for c in arr.compressors)


def check_chunks(arr: zarr.Array, where: str) -> None:
    """Raise :class:`StoreCorruptError` when a chunk file of ``arr`` is missing.

    Only arrays written with checksums (format 2 on) store every chunk; older
    arrays may legitimately leave zero chunks out and are not checked.
    """
    if arr.size and _checksummed(arr) and arr.nchunks_initialized != arr.nchunks:
        raise StoreCorruptError(f"{where}: expected {arr.nchunks} chunks, found "
                                f"{arr.nchunks_initialized} on disk — the store is damaged "
                                "(rewrite it with `distgnn partition`)")


def read_array(arr: zarr.Array, where: str, selection=Ellipsis) -> np.ndarray:
    """``arr[selection]`` with a damaged chunk reported as :class:`StoreCorruptError`.

    Missing chunks are found once per array by :func:`check_chunks` (it lists the
    array's chunk files), not on every read.
    """
    try:
        return arr[selection]
    except ValueError as exc:
        if "checksum" not in str(exc):
            raise
        raise StoreCorruptError(f"{where}: a chunk fails its crc32c checksum — the store is damaged "
                                "(rewrite it with `distgnn partition`)") from None
