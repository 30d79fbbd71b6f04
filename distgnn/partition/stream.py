"""One-pass streaming partitioning (Fennel: Tsourakakis et al.), memory O(num_nodes).

Edges arrive in chunks; inside a chunk the edges are grouped by source and each
not yet placed source goes to the part maximising
``|N(u) ∩ P_i| - alpha * gamma * |P_i|^(gamma-1)`` among parts below the
capacity ``(1 + imbalance) * n / k``. Nodes never seen as a source go, at the
end, to the lightest parts. Best when sources arrive grouped (CSR order).
"""
from __future__ import annotations

import math
from typing import Iterable, Optional

import numpy as np
from numba import njit

__all__ = ["stream_partition", "stream_partition_chunks"]


@njit(cache=True)
def _place_chunk(src, dst, part, sizes, k, alpha, gamma, cap, seed):
    order = np.argsort(src, kind="mergesort")
    cnt = np.zeros(k, np.float64)
    np.random.seed(seed)
    i = 0
    m = src.shape[0]
    while i < m:
        u = src[order[i]]
        j = i
        while j < m and src[order[j]] == u:
            j += 1
        if part[u] < 0:
            for t in range(i, j):
                q = part[dst[order[t]]]
                if q >= 0:
                    cnt[q] += 1.0
            best, bs = -1, -1e300
            off = np.random.randint(k)
            for r in range(k):
                q = (r + off) % k
                if sizes[q] >= cap:
                    continue
                s = cnt[q] - alpha * gamma * sizes[q] ** (gamma - 1.0)
                if s > bs:
                    best, bs = q, s
            part[u] = best
            sizes[best] += 1
            cnt[:] = 0.0
        i = j


@njit(cache=True)
def _place_rest(part, sizes):
    for u in range(part.shape[0]):
        if part[u] < 0:
            q = np.argmin(sizes)
            part[u] = q
            sizes[q] += 1


def stream_partition_chunks(chunks: Iterable[np.ndarray], num_nodes: int, num_parts: int, *,
                            num_edges: Optional[int] = None, seed: int = 0, gamma: float = 1.5,
                            imbalance: float = 0.03, undirected: bool = True) -> np.ndarray:
    """Fennel over int64 [2, c] edge chunks; ``num_edges`` (for alpha) is estimated if not given."""
    n, k = int(num_nodes), int(num_parts)
    part = np.full(n, -1, np.int64)
    sizes = np.zeros(k, np.int64)
    cap = max(1, int(math.ceil((1.0 + imbalance) * n / k)))
    seen = 0
    rng = np.random.default_rng(seed)
    for ei in chunks:
        src, dst = np.ascontiguousarray(ei[0], np.int64), np.ascontiguousarray(ei[1], np.int64)
        if undirected:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        seen += src.shape[0]
        m = num_edges * (2 if undirected else 1) if num_edges else max(seen, 1) * n / max(1, int((part >= 0).sum()) + 1)
        alpha = math.sqrt(k) * (m / 2) / n ** gamma
        _place_chunk(src, dst, part, sizes, k, alpha, gamma, cap, int(rng.integers(2**31)))
    _place_rest(part, sizes)
    return part


def stream_partition(edge_index: np.ndarray, num_nodes: int, num_parts: int, *, seed: int = 0,
                     chunk_edges: int = 1 << 22, **options) -> np.ndarray:
    """Fennel over the in-memory ``edge_index`` read in chunks of ``chunk_edges`` edges."""
    chunks = (edge_index[:, a:a + chunk_edges] for a in range(0, edge_index.shape[1], chunk_edges))
    return stream_partition_chunks(chunks, num_nodes, num_parts, num_edges=edge_index.shape[1],
                                   seed=seed, **options)
