"""Graph Laplacians as edge lists."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from distgnn.utils.loop import remove_self_loops
from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["get_laplacian"]


def get_laplacian(edge_index: Tensor, edge_weight: Optional[Tensor] = None,
                  normalization: Optional[str] = None, dtype: Optional[torch.dtype] = None,
                  num_nodes: Optional[int] = None) -> Tuple[Tensor, Tensor]:
    """Laplacian of a graph (self-loops are ignored) as ``(edge_index, edge_weight)``.

    ``normalization``: ``None`` gives ``L = D - A``; ``'sym'`` gives
    ``I - D^-1/2 A D^-1/2``; ``'rw'`` gives ``I - D^-1 A`` (degrees are row sums).
    """
    if normalization is not None and normalization != "sym" and normalization != "rw":
        raise ValueError(f"'normalization' must be None, 'sym' or 'rw', got '{normalization}'")
    edge_index, edge_weight = remove_self_loops(edge_index, edge_weight)
    if edge_weight is None:
        edge_weight = torch.ones(edge_index.size(1), dtype=dtype, device=edge_index.device)
    n = maybe_num_nodes(edge_index, num_nodes)
    row, col = edge_index[0], edge_index[1]
    deg = edge_weight.new_zeros(n).scatter_add_(0, row, edge_weight)
    if normalization is None:
        loop = torch.arange(n, dtype=edge_index.dtype, device=edge_index.device)
        out = torch.cat([edge_index, loop.repeat(2, 1)], dim=1)
        return out, torch.cat([-edge_weight, deg], dim=0)
    if normalization == "sym":
        inv = deg.pow(-0.5).masked_fill(deg == 0, 0.0)
        weight = -inv[row] * edge_weight * inv[col]
    else:
        inv = deg.pow(-1.0).masked_fill(deg == 0, 0.0)
        weight = -inv[row] * edge_weight
    loop = torch.arange(n, dtype=edge_index.dtype, device=edge_index.device)
    out = torch.cat([edge_index, loop.repeat(2, 1)], dim=1)
    return out, torch.cat([weight, weight.new_ones(n)], dim=0)
