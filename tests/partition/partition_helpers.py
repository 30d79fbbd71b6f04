"""Small graphs with known optimal cuts, shared by the partition tests."""
import numpy as np


def two_cliques(m: int = 10) -> np.ndarray:
    """Two m-cliques (0..m-1 and m..2m-1) joined by the single edge (3, m + 5)."""
    e = [(o + i, o + j) for o in (0, m) for i in range(m) for j in range(m) if i < j]
    e.append((3, m + 5))
    return np.array(e, dtype=np.int64).T


def grid(h: int, w: int) -> np.ndarray:
    ids = np.arange(h * w).reshape(h, w)
    right = np.stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()])
    down = np.stack([ids[:-1].ravel(), ids[1:].ravel()])
    return np.concatenate([right, down], axis=1).astype(np.int64)


def cut_edges(ei: np.ndarray, part) -> int:
    part = np.asarray(part)
    return int((part[ei[0]] != part[ei[1]]).sum())


