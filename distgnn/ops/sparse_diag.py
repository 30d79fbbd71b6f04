"""Diagonal surgery on a ``SparseTensor`` (self-loops of a transposed adjacency).

``set_diag`` is the SparseTensor counterpart of ``remove_self_loops`` followed by
``add_self_loops``; it is written with ``SparseTensor`` class methods only, so it
compiles inside TorchScript layers.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from ..typing import SparseTensor
from .tensor_cache import TensorCache

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
    """Give every node exactly one self-loop: the non-loop edges keep their order,
    then come ``num_nodes`` loops; a node that had a loop keeps its weight, the
    others get ``fill_value`` (the edge-index twin of :func:`set_diag`).

    Outside TorchScript the looped ``edge_index`` is cached per input tensor, so a
    training loop gets back the same tensor every step (and with it the cached
    CSR structure of :func:`cached_adj_t`).
    """
    if not torch.jit.is_scripting():
        return _add_remaining_loops_cached(edge_index, edge_weight, fill_value, num_nodes)
    layout = _loop_layout(edge_index, num_nodes)
    return layout[0], _loop_weights(layout, edge_weight, fill_value, num_nodes)


def _loop_layout(edge_index: Tensor, num_nodes: int) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """(looped edge_index, kept edge positions, existing loop positions, their nodes)."""
    is_loop = edge_index[0] == edge_index[1]
    keep = (~is_loop).nonzero().view(-1)
    loops = is_loop.nonzero().view(-1)
    node = torch.arange(num_nodes, dtype=edge_index.dtype, device=edge_index.device)
    out_index = torch.cat([edge_index.index_select(1, keep), node.repeat(2, 1)], dim=1)
    return out_index, keep, loops, edge_index[0].index_select(0, loops)


def _loop_weights(layout: Tuple[Tensor, Tensor, Tensor, Tensor], edge_weight: Tensor,
                  fill_value: float, num_nodes: int) -> Tensor:
    """Weights in the looped order: kept edges, then one loop per node."""
    keep, loops, loop_nodes = layout[1], layout[2], layout[3]
    shape = list(edge_weight.shape)
    shape[0] = num_nodes
    loop_weight = edge_weight.new_full(shape, fill_value)
    if loops.numel() > 0:
        loop_weight = loop_weight.index_copy(0, loop_nodes, edge_weight.index_select(0, loops))
    return torch.cat([edge_weight.index_select(0, keep), loop_weight], dim=0)


_LOOP_CACHE = TensorCache(max_entries=16)


@torch.jit.unused
def _add_remaining_loops_cached(edge_index: Tensor, edge_weight: Tensor, fill_value: float,
                                num_nodes: int) -> Tuple[Tensor, Tensor]:
    layout = _LOOP_CACHE.get(edge_index, num_nodes)
    if layout is None:
        layout = _loop_layout(edge_index, num_nodes)
        _LOOP_CACHE.put(edge_index, num_nodes, layout)
    return layout[0], _loop_weights(layout, edge_weight, fill_value, num_nodes)
