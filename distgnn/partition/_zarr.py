"""Small helpers around zarr v3 arrays: measured chunk and codec defaults."""
from __future__ import annotations

import numpy as np
import zarr
from zarr.codecs import ZstdCodec

__all__ = ["CHUNK_ELEMS", "ZSTD_LEVEL", "put_array"]

#: elements per chunk along the first axis of 1-D arrays (8 MiB of int64)
CHUNK_ELEMS = 1 << 20
#: zstd level: level 1 keeps most of the size reduction at a fraction of the cost
ZSTD_LEVEL = 1


def put_array(group: zarr.Group, name: str, data: np.ndarray) -> None:
    """Write ``data`` as a zstd-compressed array ``name`` under ``group``."""
    data = np.ascontiguousarray(data)
    row_elems = int(np.prod(data.shape[1:])) if data.ndim > 1 else 1
    rows = max(1, min(data.shape[0], CHUNK_ELEMS // max(1, row_elems)))
    chunks = (rows,) + tuple(data.shape[1:])
    chunks = tuple(max(1, c) for c in chunks)
    arr = group.create_array(name, shape=data.shape, dtype=data.dtype, chunks=chunks,
                             compressors=[ZstdCodec(level=ZSTD_LEVEL)], fill_value=0)
    if data.size:
        arr[...] = data
