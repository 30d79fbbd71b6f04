"""Per-part scratch files that let edges be bucketed by part in bounded memory."""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import List, Tuple

import numpy as np

__all__ = ["PartSpill"]

_FIELDS = 3  # row (relabelled dst), col (relabelled src), edge id


class PartSpill:
    """Append edges to one raw int64 file per part; load a part back whole."""

    def __init__(self, num_parts: int, where: str) -> None:
        os.makedirs(where, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix=".spill-", dir=where)
        self.num_parts = num_parts
        self.files: List = [open(os.path.join(self.dir, f"{p}.bin"), "wb") for p in range(num_parts)]

    def add(self, rows: np.ndarray, cols: np.ndarray, eids: np.ndarray, parts: np.ndarray) -> None:
        """Append edges; ``parts[e]`` is the part that owns row ``rows[e]``."""
        order = np.argsort(parts, kind="stable")
        bounds = np.searchsorted(parts[order], np.arange(self.num_parts + 1))
        block = np.stack([rows[order], cols[order], eids[order]], axis=1).astype(np.int64)
        for p in range(self.num_parts):
            a, b = bounds[p], bounds[p + 1]
            if b > a:
                block[a:b].tofile(self.files[p])

    def load(self, p: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(rows, cols, edge_ids)`` of part ``p``."""
        self.files[p].close()
        data = np.fromfile(os.path.join(self.dir, f"{p}.bin"), dtype=np.int64).reshape(-1, _FIELDS)
        os.remove(os.path.join(self.dir, f"{p}.bin"))
        return data[:, 0].copy(), data[:, 1].copy(), data[:, 2].copy()

    def __enter__(self) -> "PartSpill":
        return self

    def __exit__(self, *exc) -> None:
        for f in self.files:
            f.close()
        shutil.rmtree(self.dir, ignore_errors=True)
