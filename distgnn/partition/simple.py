"""The random baseline partitioner."""
from __future__ import annotations

import numpy as np

__all__ = ["random_partition"]


def random_partition(num_nodes: int, num_parts: int, seed: int = 0) -> np.ndarray:
    """Balanced random parts: a seeded permutation dealt round-robin."""
    rng = np.random.default_rng(seed)
    part = np.empty(num_nodes, np.int64)
    part[rng.permutation(num_nodes)] = np.arange(num_nodes, dtype=np.int64) % num_parts
    return part
