"""Self-loop helpers: detect, remove, split off and add loops ``(i, i)``."""
from typing import Optional, Tuple, Union

import torch
from torch import Tensor

from distgnn import ops
from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["contains_self_loops", "remove_self_loops", "segregate_self_loops",
           "add_self_loops", "add_remaining_self_loops"]


def contains_self_loops(edge_index: Tensor) -> bool:
    """Whether ``edge_index`` has an edge ``(i, i)``."""
    return bool((edge_index[0] == edge_index[1]).any())


def remove_self_loops(edge_index: Tensor, edge_attr: Optional[Tensor] = None
                      ) -> Tuple[Tensor, Optional[Tensor]]:
    """Drop every edge ``(i, i)``; returns ``(edge_index, edge_attr)``."""
    mask = edge_index[0] != edge_index[1]
    return edge_index[:, mask], None if edge_attr is None else edge_attr[mask]


def segregate_self_loops(edge_index: Tensor, edge_attr: Optional[Tensor] = None):
    """Split into ``(edge_index, edge_attr, loop_edge_index, loop_edge_attr)``."""
    mask = edge_index[0] != edge_index[1]
    inv = ~mask
    loop_attr = None if edge_attr is None else edge_attr[inv]
    kept_attr = None if edge_attr is None else edge_attr[mask]
    return edge_index[:, mask], kept_attr, edge_index[:, inv], loop_attr


def _loop_values(edge_index: Tensor, edge_attr: Tensor,
                 fill_value: Optional[Union[float, int, Tensor, str]], num_nodes: int) -> Tensor:
    """Values of the new loops: a constant, a tensor, or a reduction of incoming edges."""
    shape = list(edge_attr.shape)
    shape[0] = num_nodes
    if fill_value is None:
        return edge_attr.new_ones(shape)
    if isinstance(fill_value, Tensor):
        return fill_value.to(edge_attr.dtype).expand(shape).clone()
    if isinstance(fill_value, str):
        return ops.scatter(edge_attr, edge_index[1], 0, num_nodes, reduce=fill_value)
    if isinstance(fill_value, float):
        return edge_attr.new_full(shape, fill_value)
    if isinstance(fill_value, int):
        return edge_attr.new_full(shape, float(fill_value))
    raise TypeError("'fill_value' must be a number, a tensor or a reduction name "
                    "('add', 'mean', 'max', ...)")


def add_self_loops(edge_index: Tensor, edge_weight: Optional[Tensor] = None,
                   fill_value: Optional[Union[float, int, Tensor, str]] = 1.0,
                   num_nodes: Optional[int] = None) -> Tuple[Tensor, Optional[Tensor]]:
    """Append a loop ``(i, i)`` for every node; loops get ``fill_value`` as weight.

    ``fill_value`` may be a number, a tensor broadcast to the attribute shape, or a
    reduction name (``'add'``, ``'mean'``, ``'max'``, ...) over each node's incoming edges.
    """
    n = maybe_num_nodes(edge_index, num_nodes)
    loop = torch.arange(n, dtype=edge_index.dtype, device=edge_index.device)
    out_index = torch.cat([edge_index, loop.repeat(2, 1)], dim=1)
    if edge_weight is None:
        return out_index, None
    if edge_weight.size(0) != edge_index.size(1):
        raise ValueError(f"'edge_weight' must have one entry per edge ({edge_index.size(1)}), "
                         f"got {edge_weight.size(0)}")
    loop_weight = _loop_values(edge_index, edge_weight, fill_value, n)
    return out_index, torch.cat([edge_weight, loop_weight], dim=0)


def add_remaining_self_loops(edge_index: Tensor, edge_weight: Optional[Tensor] = None,
                             fill_value: Optional[Union[float, int, Tensor, str]] = 1.0,
                             num_nodes: Optional[int] = None
                             ) -> Tuple[Tensor, Optional[Tensor]]:
    """Give every node exactly one loop; existing loops keep their weight.

    Existing loops are moved to the end (as node order), nodes without a loop get
    ``fill_value``.
    """
    n = maybe_num_nodes(edge_index, num_nodes)
    mask = edge_index[0] != edge_index[1]
    loop = torch.arange(n, dtype=edge_index.dtype, device=edge_index.device)
    out_index = torch.cat([edge_index[:, mask], loop.repeat(2, 1)], dim=1)
    if edge_weight is None:
        return out_index, None
    if edge_weight.size(0) != edge_index.size(1):
        raise ValueError(f"'edge_weight' must have one entry per edge ({edge_index.size(1)}), "
                         f"got {edge_weight.size(0)}")
    kept_index = edge_index[:, mask]
    loop_weight = _loop_values(kept_index, edge_weight[mask], fill_value, n)
    inv = ~mask
    loop_weight[edge_index[0, inv]] = edge_weight[inv]
    return out_index, torch.cat([edge_weight[mask], loop_weight], dim=0)
