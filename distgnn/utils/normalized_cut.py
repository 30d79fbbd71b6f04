"""Normalized-cut edge weights."""
from typing import Optional

from torch import Tensor

from distgnn.utils.degree import degree
from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["normalized_cut"]


def normalized_cut(edge_index: Tensor, edge_attr: Tensor,
                   num_nodes: Optional[int] = None) -> Tensor:
    """``edge_attr * (1/deg(i) + 1/deg(j))`` for every edge ``(i, j)`` (degrees over targets)."""
    row, col = edge_index
    n = maybe_num_nodes(edge_index, num_nodes)
    inv = 1.0 / degree(col, n, edge_attr.dtype)
    return edge_attr * (inv[row] + inv[col])
