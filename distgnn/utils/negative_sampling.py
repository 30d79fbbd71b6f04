"""Sampling node pairs that are not edges."""
from typing import Optional, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["negative_sampling", "batched_negative_sampling", "structured_negative_sampling",
           "structured_negative_sampling_feasible"]


def _sizes(edge_index: Tensor, num_nodes) -> Tuple[int, int, bool]:
    """(rows, cols, bipartite) of the adjacency."""
    if isinstance(num_nodes, (tuple, list)):
        return int(num_nodes[0]), int(num_nodes[1]), True
    n = maybe_num_nodes(edge_index, num_nodes)
    return n, n, False


def _allowed_keys(m: int, n: int, bipartite: bool, force_undirected: bool) -> np.ndarray:
    """All candidate keys ``row * n + col`` (used by the dense method)."""
    key = np.arange(m * n, dtype=np.int64)
    row, col = key // n, key % n
    if bipartite:
        return key
    return key[row < col] if force_undirected else key[row != col]


def _positive_keys(edge_index: Tensor, n: int, force_undirected: bool) -> np.ndarray:
    row, col = edge_index.cpu().numpy().astype(np.int64)
    if force_undirected:
        row, col = np.minimum(row, col), np.maximum(row, col)
    return np.unique(row * n + col)


def _sample_sparse(pos: np.ndarray, m: int, n: int, bipartite: bool, force_undirected: bool,
                   count: int, rng: np.random.Generator) -> np.ndarray:
    found = np.empty(0, dtype=np.int64)
    for _ in range(20):
        need = count - found.size
        if need <= 0:
            break
        draw = rng.integers(0, m * n, size=max(2 * need + 16, int(need * 1.5)))
        row, col = draw // n, draw % n
        if force_undirected and not bipartite:
            draw = np.minimum(row, col) * n + np.maximum(row, col)
        if not bipartite:
            draw = draw[row != col]
        draw = draw[~np.isin(draw, pos, assume_unique=False)]
        draw = draw[~np.isin(draw, found)]
        _, first = np.unique(draw, return_index=True)
        found = np.concatenate([found, draw[np.sort(first)][:need]])
    return found


def _seed_rng() -> np.random.Generator:
    return np.random.default_rng(int(torch.randint(0, 2 ** 62, (1,)).item()))


def negative_sampling(edge_index: Tensor, num_nodes: Optional[Union[int, Tuple[int, int]]] = None,
                      num_neg_samples: Optional[int] = None, method: str = "sparse",
                      force_undirected: bool = False) -> Tensor:
    """Random node pairs that are neither edges of ``edge_index`` nor self-loops.

    ``num_neg_samples`` defaults to the number of edges; fewer are returned when the
    graph does not have that many non-edges. ``method='dense'`` draws exactly from the
    enumerated non-edges (O(N^2) memory); ``'sparse'`` uses rejection sampling (O(E)).
    With ``force_undirected`` pairs are drawn with ``row < col`` and returned in both
    directions. ``num_nodes`` may be a pair ``(rows, cols)`` for a bipartite graph.
    Random numbers come from torch's global generator (``torch.manual_seed``).
    """
    if method not in ("sparse", "dense"):
        raise ValueError(f"'method' must be 'sparse' or 'dense', got {method!r}")
    m, n, bipartite = _sizes(edge_index, num_nodes)
    undirected = force_undirected and not bipartite
    count = edge_index.size(1) if num_neg_samples is None else int(num_neg_samples)
    if undirected:
        count = count // 2
    pos = _positive_keys(edge_index, n, undirected)
    total = m * n - (0 if bipartite else m)
    total = (total // 2) if undirected else total
    count = max(0, min(count, total - pos.size))
    rng = _seed_rng()
    if method == "dense":
        cand = _allowed_keys(m, n, bipartite, undirected)
        cand = cand[~np.isin(cand, pos)]
        keys = rng.choice(cand, size=min(count, cand.size), replace=False)
    else:
        keys = _sample_sparse(pos, m, n, bipartite, undirected, count, rng)
    row = torch.from_numpy(keys // n)
    col = torch.from_numpy(keys % n)
    if undirected:
        row, col = torch.cat([row, col]), torch.cat([col, row])
    return torch.stack([row, col]).to(edge_index.device)


def batched_negative_sampling(edge_index: Tensor, batch: Union[Tensor, Tuple[Tensor, Tensor]],
                              num_neg_samples: Optional[int] = None, method: str = "sparse",
                              force_undirected: bool = False) -> Tensor:
    """:func:`negative_sampling` within each graph of a batch (``batch`` sorted).

    ``num_neg_samples`` is per graph (default: that graph's number of edges).
    ``batch`` may be a pair ``(batch_src, batch_dst)`` for bipartite graphs.
    """
    src_batch, dst_batch = batch if isinstance(batch, (tuple, list)) else (batch, batch)
    bipartite = isinstance(batch, (tuple, list))
    num_graphs = int(src_batch.max()) + 1 if src_batch.numel() > 0 else 0
    src_count = torch.bincount(src_batch, minlength=num_graphs)
    dst_count = torch.bincount(dst_batch, minlength=num_graphs)
    src_cum = torch.cat([src_count.new_zeros(1), src_count.cumsum(0)])
    dst_cum = torch.cat([dst_count.new_zeros(1), dst_count.cumsum(0)])
    graph_of_edge = src_batch[edge_index[0]]
    out = []
    for g in range(num_graphs):
        local = edge_index[:, graph_of_edge == g]
        local = torch.stack([local[0] - src_cum[g], local[1] - dst_cum[g]])
        size = (int(src_count[g]), int(dst_count[g])) if bipartite else int(src_count[g])
        neg = negative_sampling(local, size, num_neg_samples, method, force_undirected)
        out.append(torch.stack([neg[0] + src_cum[g], neg[1] + dst_cum[g]]))
    if not out:
        return edge_index.new_empty(2, 0)
    return torch.cat(out, dim=1).to(edge_index.device)


def structured_negative_sampling(edge_index: Tensor, num_nodes: Optional[int] = None,
                                 contains_neg_self_loops: bool = True
                                 ) -> Tuple[Tensor, Tensor, Tensor]:
    """For every edge ``(i, j)`` a node ``k`` such that ``(i, k)`` is not an edge.

    Returns ``(i, j, k)``. Without ``contains_neg_self_loops``, ``k != i`` too.
    Raises ``ValueError`` when some source node is connected to every candidate.
    """
    n = maybe_num_nodes(edge_index, num_nodes)
    row, col = edge_index.cpu().numpy().astype(np.int64)
    pos = row * n + col
    if not contains_neg_self_loops:
        pos = np.concatenate([pos, np.arange(n, dtype=np.int64) * (n + 1)])
    pos = np.unique(pos)
    rng = _seed_rng()
    k = rng.integers(0, n, size=row.size) if n > 0 else np.zeros(0, dtype=np.int64)
    bad = np.flatnonzero(np.isin(row * n + k, pos))
    for _ in range(100):
        if bad.size == 0:
            break
        k[bad] = rng.integers(0, n, size=bad.size)
        bad = bad[np.isin(row[bad] * n + k[bad], pos)]
    for e in bad:  # sources with very few non-neighbours: pick from their complement
        taken = pos[(pos >= row[e] * n) & (pos < (row[e] + 1) * n)] - row[e] * n
        free = np.setdiff1d(np.arange(n), taken)
        if free.size == 0:
            raise ValueError(f"node {row[e]} is connected to every node; no negative exists")
        k[e] = rng.choice(free)
    dev = edge_index.device
    return edge_index[0], edge_index[1], torch.from_numpy(k).to(dev)


def structured_negative_sampling_feasible(edge_index: Tensor, num_nodes: Optional[int] = None,
                                          contains_neg_self_loops: bool = True) -> bool:
    """Whether every source node has at least one candidate for :func:`structured_negative_sampling`."""
    n = maybe_num_nodes(edge_index, num_nodes)
    row, col = edge_index.cpu().numpy().astype(np.int64)
    keys = np.unique(row * n + col)
    r, c = keys // n, keys % n
    if not contains_neg_self_loops:
        r = r[r != c]
        limit = n - 1
    else:
        limit = n
    deg = np.bincount(r, minlength=n)
    return bool((deg[np.unique(row)] < limit).all()) if row.size else True
