"""Sort edges by (row, col) and merge duplicates."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from distgnn import ops
from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["coalesce", "sort_edge_index"]


def sort_edge_index(edge_index: Tensor, edge_attr: Optional[Tensor] = None,
                    num_nodes: Optional[int] = None, sort_by_row: bool = True
                    ) -> Tuple[Tensor, Optional[Tensor]]:
    """Sort edges by (row, col) (or (col, row)); returns ``(edge_index, edge_attr)``."""
    n = maybe_num_nodes(edge_index, num_nodes)
    first, second = (edge_index[0], edge_index[1]) if sort_by_row else (edge_index[1], edge_index[0])
    perm = (first * n + second).argsort(stable=True)
    return edge_index[:, perm], None if edge_attr is None else edge_attr[perm]


def coalesce(edge_index: Tensor, edge_attr: Optional[Tensor] = None, m: Optional[int] = None,
             n: Optional[int] = None, op: str = "add", reduce: Optional[str] = None
             ) -> Tuple[Tensor, Optional[Tensor]]:
    """Sort edges of an ``m x n`` adjacency by (row, col) and merge duplicates.

    Values of duplicate edges are reduced with ``reduce`` (alias ``op``):
    ``'add'``/``'sum'``, ``'mean'``, ``'max'``, ``'min'`` or ``'mul'``.
    Returns ``(edge_index, edge_attr)``.
    """
    reduce = op if reduce is None else reduce
    m = maybe_num_nodes(edge_index, m)
    n = m if n is None else int(n)
    if edge_index.numel() == 0:
        return edge_index, edge_attr
    key = edge_index[0] * n + edge_index[1]
    unique, inverse = torch.unique(key, sorted=True, return_inverse=True)
    out_index = torch.stack([unique // n, unique % n]).to(edge_index.dtype)
    if edge_attr is None:
        return out_index, None
    if edge_attr.size(0) != edge_index.size(1):
        raise ValueError(f"'edge_attr' must have one row per edge ({edge_index.size(1)}), "
                         f"got {edge_attr.size(0)}")
    if unique.numel() == key.numel():
        return out_index, edge_attr[key.argsort()]
    return out_index, ops.scatter(edge_attr, inverse, 0, unique.numel(), reduce=reduce)
