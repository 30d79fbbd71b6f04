"""Random graph models."""
from typing import List, Union

import numpy as np
import torch
from torch import Tensor

from distgnn.utils.coalesce import coalesce
from distgnn.utils.undirected import to_undirected

__all__ = ["erdos_renyi_graph", "stochastic_blockmodel_graph", "barabasi_albert_graph"]


def erdos_renyi_graph(num_nodes: int, edge_prob: float, directed: bool = False) -> Tensor:
    """Every pair ``i != j`` (``i < j`` unless ``directed``) is an edge with probability ``edge_prob``.

    Undirected graphs are returned in both directions, coalesced. Uses torch's global RNG.
    """
    if not 0.0 <= edge_prob <= 1.0:
        raise ValueError(f"'edge_prob' must be in [0, 1], got {edge_prob}")
    row, col = torch.triu_indices(num_nodes, num_nodes, offset=1) if not directed else \
        (torch.arange(num_nodes).repeat_interleave(num_nodes), torch.arange(num_nodes).repeat(num_nodes))
    if directed:
        keep = row != col
        row, col = row[keep], col[keep]
    mask = torch.rand(row.size(0)) < edge_prob
    edge_index = torch.stack([row[mask], col[mask]])
    return edge_index if directed else to_undirected(edge_index, num_nodes=num_nodes)


def stochastic_blockmodel_graph(block_sizes: Union[List[int], Tensor],
                                edge_probs: Union[List[List[float]], Tensor],
                                directed: bool = False) -> Tensor:
    """Stochastic block model: pair ``(i, j)`` is an edge with probability ``edge_probs[b_i][b_j]``.

    Blocks are consecutive node ranges of the given sizes. Uses torch's global RNG.
    """
    sizes = torch.as_tensor(block_sizes, dtype=torch.long)
    probs = torch.as_tensor(edge_probs, dtype=torch.float)
    k = sizes.numel()
    if probs.shape != (k, k):
        raise ValueError(f"'edge_probs' must be a [{k}, {k}] matrix, got {list(probs.shape)}")
    if not bool(((probs >= 0) & (probs <= 1)).all()):
        raise ValueError("'edge_probs' must lie in [0, 1]")
    n = int(sizes.sum())
    block = torch.arange(k).repeat_interleave(sizes)
    if directed:
        row = torch.arange(n).repeat_interleave(n)
        col = torch.arange(n).repeat(n)
        keep = row != col
        row, col = row[keep], col[keep]
    else:
        row, col = torch.triu_indices(n, n, offset=1)
    mask = torch.rand(row.size(0)) < probs[block[row], block[col]]
    edge_index = torch.stack([row[mask], col[mask]])
    return edge_index if directed else to_undirected(edge_index, num_nodes=n)


def barabasi_albert_graph(num_nodes: int, num_edges: int) -> Tensor:
    """Preferential attachment: every new node links to ``num_edges`` earlier nodes.

    Returned undirected and coalesced. Uses torch's global RNG.
    """
    if num_edges <= 0 or num_edges >= num_nodes:
        raise ValueError(f"'num_edges' must be in [1, num_nodes), got {num_edges} for "
                         f"{num_nodes} nodes")
    rng = np.random.default_rng(int(torch.randint(0, 2 ** 62, (1,)).item()))
    targets = list(range(num_edges))
    repeated: List[int] = []
    src, dst = [], []
    for v in range(num_edges, num_nodes):
        src.extend([v] * len(targets))
        dst.extend(targets)
        repeated.extend(targets)
        repeated.extend([v] * len(targets))
        chosen = set()
        while len(chosen) < num_edges:
            chosen.add(int(repeated[rng.integers(len(repeated))]))
        targets = list(chosen)
    edge_index = torch.tensor([src, dst], dtype=torch.long)
    return coalesce(to_undirected(edge_index, num_nodes=num_nodes), None, num_nodes)[0]
