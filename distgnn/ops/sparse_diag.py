"""Diagonal surgery on a ``SparseTensor`` (self-loops of a transposed adjacency).

``set_diag`` is the SparseTensor counterpart of ``remove_self_loops`` followed by
``add_self_loops``; it is written with ``SparseTensor`` class methods only, so it
compiles inside TorchScript layers.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from ..typing import SparseTensor

__all__ = ["set_diag", "add_remaining_loops"]


def set_diag(adj: SparseTensor, fill_value: Optional[float] = 1.0) -> SparseTensor:
    """``adj`` with each diagonal entry ``(i, i)``, ``i < min(M, N)``, present once.

    Existing diagonal entries are dropped and replaced; the new entries get
    ``fill_value`` when ``adj`` has values (``fill_value=None`` keeps the old diagonal
    value where there was one and uses 1 elsewhere). The result is row-sorted.
    """
    row, col, value = adj.coo()
    num_rows, num_cols = adj.sparse_size(0), adj.sparse_size(1)
    n = min(num_rows, num_cols)
    keep = row != col
    loop = torch.arange(n, dtype=row.dtype, device=row.device)
    new_row = torch.cat([row[keep], loop])
    new_col = torch.cat([col[keep], loop])
    new_value: Optional[torch.Tensor] = None
    if value is not None:
        if fill_value is None:
            diag = value.new_ones((n,) + value.shape[1:])
            is_loop = ~keep
            diag[row[is_loop]] = value[is_loop]
        else:
            diag = value.new_full((n,) + value.shape[1:], fill_value)
        new_value = torch.cat([value[keep], diag])
    return SparseTensor(row=new_row, col=new_col, value=new_value,
                        sparse_sizes=(num_rows, num_cols), is_sorted=False)


def add_remaining_loops(edge_index: Tensor, edge_weight: Tensor, fill_value: float,
                        num_nodes: int) -> Tuple[Tensor, Tensor]:
    """Give every node exactly one self-loop: existing loops keep their weight,
    the others get ``fill_value`` (the edge-index twin of :func:`set_diag`)."""
    mask = edge_index[0] != edge_index[1]
    loop = torch.arange(num_nodes, dtype=edge_index.dtype, device=edge_index.device)
    loop_weight = edge_weight.new_full((num_nodes,) + edge_weight.shape[1:], fill_value)
    inv = ~mask
    loop_weight[edge_index[0][inv]] = edge_weight[inv]
    out_index = torch.cat([edge_index[:, mask], loop.repeat(2, 1)], dim=1)
    return out_index, torch.cat([edge_weight[mask], loop_weight], dim=0)
