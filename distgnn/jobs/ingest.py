"""Read an edge file (``.npy``, ``.csv``, ``.parquet``) into ``int64[2, E]`` and a node count."""
from __future__ import annotations

import os
from typing import Tuple

import numpy as np

__all__ = ["read_edge_file", "EDGE_FORMATS"]

EDGE_FORMATS = (".npy", ".csv", ".parquet")


def _from_table(table) -> np.ndarray:
    names = table.column_names
    if len(names) < 2:
        raise ValueError(f"data.input: expected at least two columns (source, target), got {names}")
    cols = [table.column(i).to_numpy() for i in range(2)]
    return np.stack([np.asarray(c, dtype=np.int64) for c in cols])


def _load(path: str) -> np.ndarray:
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        ei = np.load(path, allow_pickle=False)
        if ei.ndim != 2 or 2 not in ei.shape:
            raise ValueError(f"data.input: expected a [2, E] or [E, 2] array, got shape {ei.shape}")
        return np.ascontiguousarray(ei if ei.shape[0] == 2 else ei.T, dtype=np.int64)
    if ext == ".csv":
        from pyarrow import csv
        return _from_table(csv.read_csv(path))
    if ext == ".parquet":
        from pyarrow import parquet
        return _from_table(parquet.read_table(path))
    raise ValueError(f"data.input: expected a file ending in {', '.join(EDGE_FORMATS)}, got {path!r}")


def read_edge_file(path: str) -> Tuple[np.ndarray, int]:
    """Edges ``[2, E]`` (both directions, deduplicated) and ``max id + 1`` nodes."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"data.input: no such file {path!r}")
    ei = _load(path)
    if ei.size and ei.min() < 0:
        raise ValueError(f"data.input: node ids must be >= 0, got {int(ei.min())}")
    n = int(ei.max()) + 1 if ei.size else 0
    if n == 0:
        raise ValueError(f"data.input: {path!r} holds no edges")
    from distgnn.data import coalesce_numpy
    return coalesce_numpy(ei[0], ei[1], n, symmetric=True, remove_self_loops=True).numpy(), n
