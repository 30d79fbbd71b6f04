"""Random edge dropping."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["dropout_adj"]


def dropout_adj(edge_index: Tensor, edge_attr: Optional[Tensor] = None, p: float = 0.5,
                force_undirected: bool = False, num_nodes: Optional[int] = None,
                training: bool = True) -> Tuple[Tensor, Optional[Tensor]]:
    """Drop each edge with probability ``p`` (only while ``training``).

    With ``force_undirected=True`` an edge and its reverse are dropped together
    (only edges ``row < col`` are drawn, then mirrored; self-loops are dropped).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability 'p' must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return edge_index, edge_attr
    maybe_num_nodes(edge_index, num_nodes)
    row, col = edge_index
    if force_undirected:
        upper = row < col
        row, col = row[upper], col[upper]
        edge_attr = None if edge_attr is None else edge_attr[upper]
    keep = torch.rand(row.size(0), device=edge_index.device) >= p
    row, col = row[keep], col[keep]
    edge_attr = None if edge_attr is None else edge_attr[keep]
    if force_undirected:
        out = torch.stack([torch.cat([row, col]), torch.cat([col, row])])
        edge_attr = None if edge_attr is None else torch.cat([edge_attr, edge_attr], dim=0)
        return out, edge_attr
    return torch.stack([row, col]), edge_attr
