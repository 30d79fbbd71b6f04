"""Infer the number of nodes of a graph from its connectivity."""
from typing import Optional

import torch
from torch import Tensor

from distgnn.typing import SparseTensor

__all__ = ["maybe_num_nodes", "check_edge_index"]


def check_edge_index(edge_index: Tensor, name: str = "edge_index") -> None:
    """Raise ``ValueError`` unless ``edge_index`` is an integer tensor of shape ``[2, E]``."""
    if not isinstance(edge_index, Tensor):
        raise TypeError(f"'{name}' must be a torch.Tensor of shape [2, num_edges], "
                        f"got {type(edge_index).__name__}")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"'{name}' must have shape [2, num_edges], got {list(edge_index.shape)}")
    if edge_index.dtype.is_floating_point or edge_index.dtype == torch.bool:
        raise ValueError(f"'{name}' must hold integer node ids, got dtype {edge_index.dtype}")


def maybe_num_nodes(edge_index, num_nodes: Optional[int] = None) -> int:
    """Return ``num_nodes`` if given, else ``max(edge_index) + 1`` (0 for an empty graph)."""
    if num_nodes is not None:
        return int(num_nodes)
    if isinstance(edge_index, SparseTensor):
        return int(max(edge_index.size(0), edge_index.size(1)))
    if isinstance(edge_index, Tensor):
        return int(edge_index.max()) + 1 if edge_index.numel() > 0 else 0
    raise TypeError(f"expected an edge_index tensor or SparseTensor, got {type(edge_index).__name__}")
