"""Node degrees."""
from typing import Optional

import torch
from torch import Tensor

from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["degree"]


def degree(index: Tensor, num_nodes: Optional[int] = None,
           dtype: Optional[torch.dtype] = None) -> Tensor:
    """Number of occurrences of each node id in the 1-D ``index`` (e.g. ``edge_index[0]``)."""
    if index.dim() != 1:
        raise ValueError(f"'index' must be 1-D, got shape {list(index.shape)}")
    n = maybe_num_nodes(index, num_nodes)
    out = torch.zeros(n, dtype=dtype if dtype is not None else torch.float, device=index.device)
    one = torch.ones(index.numel(), dtype=out.dtype, device=index.device)
    return out.scatter_add_(0, index, one)
