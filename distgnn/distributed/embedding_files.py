"""The saved form of a sharded embedding table: one directory per table.

``meta.json`` holds the table's shape, its row ranges, the optimizer and the step;
``shard_00000.pt``, ... hold one shard each (``lo``, ``hi``, ``weight`` and the
optimizer's state), written and read one at a time so a table larger than memory
saves and exports shard by shard. :class:`~distgnn.distributed.ShardedEmbedding`
writes and reads it; ``distgnn export`` streams its rows.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, Mapping, Tuple

import numpy as np

__all__ = ["META_FILE", "shard_file", "write_meta", "read_meta", "write_shard", "read_shard",
           "saved_rows"]

META_FILE = "meta.json"


def shard_file(directory: str, k: int) -> str:
    """The file of shard ``k``."""
    return os.path.join(directory, f"shard_{k:05d}.pt")


def write_meta(directory: str, meta: Mapping[str, Any]) -> None:
    with open(os.path.join(directory, META_FILE), "w") as f:
        json.dump(dict(meta), f)


def read_meta(directory: str) -> Dict[str, Any]:
    """The table's ``meta.json``; a directory without one raises ``FileNotFoundError``."""
    path = os.path.join(directory, META_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"expected a saved embedding table ({META_FILE}) in {directory!r}, "
                                "got none")
    with open(path) as f:
        return json.load(f)


def write_shard(directory: str, k: int, state: Mapping[str, Any]) -> None:
    import torch
    torch.save(dict(state), shard_file(directory, k))


def read_shard(directory: str, k: int) -> Dict[str, Any]:
    import torch
    return torch.load(shard_file(directory, k), map_location="cpu", weights_only=True)


def saved_rows(directory: str, chunk_rows: int) -> Iterator[Tuple[int, np.ndarray]]:
    """``(first row, float32 rows)`` of a saved table, ``chunk_rows`` at a time, one shard in memory
    at a time; a shard whose rows disagree with ``meta.json`` raises ``ValueError``."""
    ranges = read_meta(directory)["ranges"]
    for k in range(len(ranges) - 1):
        sd = read_shard(directory, k)
        weight = sd["weight"].numpy()
        if (sd["lo"], sd["hi"]) != (ranges[k], ranges[k + 1]):
            raise ValueError(f"{directory}: shard {k} holds rows [{sd['lo']}, {sd['hi']}), "
                             f"{META_FILE} says [{ranges[k]}, {ranges[k + 1]}) — the checkpoint "
                             "is damaged")
        del sd
        for a in range(0, weight.shape[0], chunk_rows):
            yield ranges[k] + a, weight[a:a + chunk_rows].astype(np.float32, copy=False)
