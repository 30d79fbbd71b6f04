"""Graph sources for the command line: edge files or generator specs (``rmat:SCALE``...)."""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

__all__ = ["GENERATORS", "is_generator_spec", "generate"]

GENERATORS = {
    "rmat": "rmat:SCALE[:EDGE_FACTOR]",
    "planted": "planted:NUM_NODES:NUM_BLOCKS[:AVG_DEGREE]",
    "grid": "grid:HEIGHT:WIDTH",
}


def is_generator_spec(text: str) -> bool:
    """True for ``name:...`` where name is a known generator."""
    return text.split(":", 1)[0] in GENERATORS and ":" in text


def _ints(parts, spec: str, lo: int, hi: int):
    if not lo <= len(parts) <= hi:
        raise ValueError(f"generator spec must look like {GENERATORS[spec.split(':')[0]]}, got {spec!r}")
    try:
        return [float(p) if "." in p else int(p) for p in parts]
    except ValueError:
        raise ValueError(f"generator spec must hold numbers, got {spec!r}") from None


def generate(spec: str, seed: int = 0) -> Tuple[np.ndarray, int, Optional[np.ndarray]]:
    """``(edge_index, num_nodes, blocks or None)`` for a generator spec."""
    from distgnn.data import generators as gen

    name, *args = spec.split(":")
    if name == "rmat":
        a = _ints(args, spec, 1, 2)
        ei = gen.rmat_edge_index(int(a[0]), int(a[1]) if len(a) > 1 else 16, seed=seed).numpy()
        return ei, 1 << int(a[0]), None
    if name == "planted":
        a = _ints(args, spec, 2, 3)
        ei, blocks = gen.planted_partition_edge_index(int(a[0]), int(a[1]), float(a[2]) if len(a) > 2 else 10.0,
                                                      seed=seed, return_blocks=True)
        return ei.numpy(), int(a[0]), blocks.numpy()
    a = _ints(args, spec, 2, 2)
    return gen.grid_edge_index(int(a[0]), int(a[1])).numpy(), int(a[0]) * int(a[1]), None
