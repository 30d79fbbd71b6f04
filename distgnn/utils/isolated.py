"""Isolated nodes: nodes without any edge other than a self-loop."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from distgnn.utils.loop import remove_self_loops, segregate_self_loops
from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["contains_isolated_nodes", "remove_isolated_nodes"]


def contains_isolated_nodes(edge_index: Tensor, num_nodes: Optional[int] = None) -> bool:
    """Whether some node in ``[0, num_nodes)`` has no edge other than a self-loop."""
    n = maybe_num_nodes(edge_index, num_nodes)
    ei, _ = remove_self_loops(edge_index)
    return torch.unique(ei.reshape(-1)).numel() < n


def remove_isolated_nodes(edge_index: Tensor, edge_attr: Optional[Tensor] = None,
                          num_nodes: Optional[int] = None
                          ) -> Tuple[Tensor, Optional[Tensor], Tensor]:
    """Drop isolated nodes and relabel the rest consecutively.

    Self-loops of kept nodes are kept (after the other edges); loops of isolated nodes
    go away. Returns ``(edge_index, edge_attr, mask)`` with ``mask`` marking kept nodes.
    """
    n = maybe_num_nodes(edge_index, num_nodes)
    ei, attr, loop_ei, loop_attr = segregate_self_loops(edge_index, edge_attr)
    mask = torch.zeros(n, dtype=torch.bool, device=edge_index.device)
    mask[ei.reshape(-1)] = True
    assoc = torch.full((n,), -1, dtype=torch.long, device=edge_index.device)
    assoc[mask] = torch.arange(int(mask.sum()), device=edge_index.device)
    keep_loop = mask[loop_ei[0]]
    out = torch.cat([assoc[ei], assoc[loop_ei[:, keep_loop]]], dim=1)
    if attr is not None:
        attr = torch.cat([attr, loop_attr[keep_loop]], dim=0)
    return out, attr, mask
