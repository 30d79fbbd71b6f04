"""Undirected graphs: every edge ``(i, j)`` also appears as ``(j, i)``."""
from typing import Optional, Tuple, Union

import torch
from torch import Tensor

from distgnn.utils.coalesce import coalesce
from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["is_undirected", "to_undirected"]


def is_undirected(edge_index: Tensor, edge_attr: Optional[Tensor] = None,
                  num_nodes: Optional[int] = None) -> bool:
    """Whether every edge appears reversed, with an equal attribute if one is given."""
    n = maybe_num_nodes(edge_index, num_nodes)
    ei, attr = coalesce(edge_index, edge_attr, n, n)
    ei_t, attr_t = coalesce(ei.flip(0), attr, n, n)
    if ei.size(1) != ei_t.size(1) or not bool((ei == ei_t).all()):
        return False
    return attr is None or bool(torch.equal(attr, attr_t))


def to_undirected(edge_index: Tensor, edge_attr: Optional[Union[Tensor, int]] = None,
                  num_nodes: Optional[int] = None, reduce: str = "add"
                  ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Add the reverse of every edge and coalesce.

    Returns ``edge_index`` alone, or ``(edge_index, edge_attr)`` when ``edge_attr`` is
    given (attributes of merged duplicates are combined with ``reduce``). An integer
    second argument is read as ``num_nodes``.
    """
    if isinstance(edge_attr, int):
        edge_attr, num_nodes = None, edge_attr
    n = maybe_num_nodes(edge_index, num_nodes)
    both = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    attr = None if edge_attr is None else torch.cat([edge_attr, edge_attr], dim=0)
    out, attr = coalesce(both, attr, n, n, reduce=reduce)
    return out if edge_attr is None else (out, attr)
