"""Regular 2-D grid graphs with node positions."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from distgnn.utils.coalesce import coalesce

__all__ = ["grid"]


def _grid_index(height: int, width: int, device) -> Tensor:
    ids = torch.arange(height * width, device=device)
    r, c = ids // width, ids % width
    rows, cols = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            nr, nc = r + dr, c + dc
            ok = (nr >= 0) & (nr < height) & (nc >= 0) & (nc < width)
            rows.append(ids[ok])
            cols.append((nr * width + nc)[ok])
    edge_index = torch.stack([torch.cat(rows), torch.cat(cols)])
    return coalesce(edge_index, None, height * width, height * width)[0]


def grid(height: int, width: int, dtype: Optional[torch.dtype] = None,
         device=None) -> Tuple[Tensor, Tensor]:
    """Grid with 8-neighbour connectivity plus self-loops; returns ``(edge_index, pos)``.

    Node ``i * width + j`` sits at ``pos = (j, height - 1 - i)``.
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"'height' and 'width' must be > 0, got {height} and {width}")
    edge_index = _grid_index(height, width, device)
    x = torch.arange(width, dtype=dtype, device=device).repeat(height)
    y = (height - 1 - torch.arange(height, dtype=dtype, device=device)).repeat_interleave(width)
    return edge_index, torch.stack([x, y], dim=-1)
