"""Homophily: how often connected nodes share a label."""
from typing import Optional

import torch
from torch import Tensor

from distgnn import ops

__all__ = ["homophily"]


def homophily(edge_index: Tensor, y: Tensor, batch: Optional[Tensor] = None,
              method: str = "edge"):
    """Edge homophily (fraction of edges joining equal labels) or node homophily
    (mean over nodes with incoming edges of that fraction among their incoming edges).

    Returns a float, or a tensor with one value per graph when ``batch`` is given.
    """
    if method not in ("edge", "node"):
        raise ValueError(f"'method' must be 'edge' or 'node', got {method!r}")
    row, col = edge_index
    same = (y[row] == y[col]).to(torch.float)
    if method == "edge":
        if batch is None:
            return float(same.mean()) if same.numel() else 0.0
        return ops.scatter(same, batch[col], 0, int(batch.max()) + 1, reduce="mean")
    per_node = ops.scatter(same, col, 0, y.size(0), reduce="mean")
    has_in = torch.zeros(y.size(0), dtype=torch.bool, device=y.device)
    has_in[col] = True
    if batch is None:
        return float(per_node[has_in].mean()) if bool(has_in.any()) else 0.0
    return ops.scatter(per_node[has_in], batch[has_in], 0, int(batch.max()) + 1, reduce="mean")
