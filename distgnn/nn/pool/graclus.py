r"""Graclus clustering (Dhillon, Guan & Kulis, "Weighted Graph Cuts without
Eigenvectors: A Multilevel Approach", TPAMI 2007).

Greedy matching: nodes are visited in turn and every unmarked node is paired with
the unmarked neighbour joined to it by the heaviest edge (any unmarked neighbour
when the graph is unweighted). Both nodes of a pair get the smaller of their two ids
as cluster id; unmatched nodes keep their own id.
"""
from typing import Optional

import torch
from torch import Tensor

__all__ = ["graclus"]


def _check(edge_index: Tensor, weight: Optional[Tensor]) -> None:
    if not isinstance(edge_index, Tensor) or edge_index.dim() != 2 or edge_index.size(0) != 2:
        shape = list(edge_index.shape) if isinstance(edge_index, Tensor) else type(edge_index)
        raise ValueError(f"graclus: edge_index must be a LongTensor of shape [2, E], got {shape}")
    if weight is not None and (weight.dim() != 1 or weight.numel() != edge_index.size(1)):
        raise ValueError(f"graclus: weight must have shape [{edge_index.size(1)}], "
                         f"got {list(weight.shape)}")


def graclus(edge_index: Tensor, weight: Optional[Tensor] = None,
            num_nodes: Optional[int] = None) -> Tensor:
    r"""A greedy clustering algorithm of picking an unmarked vertex and matching it
    with one of its unmarked neighbours (the one that maximises the edge weight).

    Args:
        edge_index (LongTensor): The edge indices (treated as undirected).
        weight (Tensor, optional): One-dimensional edge weights. (default: ``None``)
        num_nodes (int, optional): The number of nodes, *i.e.*
            :obj:`max_val + 1` of :attr:`edge_index`. (default: ``None``)

    :rtype: :class:`LongTensor` ``[num_nodes]`` holding the cluster id of every node
        (the smallest node id in its cluster).
    """
    _check(edge_index, weight)
    if num_nodes is None:
        num_nodes = int(edge_index.max()) + 1 if edge_index.numel() > 0 else 0
    if num_nodes == 0:
        return torch.empty(0, dtype=torch.long, device=edge_index.device)
    # Imported here: the matching kernels are compiled on first use.
    from ...partition.graclus import graclus_cluster
    cluster = graclus_cluster(edge_index, weight, int(num_nodes), normalized=False)
    return cluster.to(edge_index.device)
