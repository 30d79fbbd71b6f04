r"""Voxel grid pooling (as used in Simonovsky & Komodakis, "Dynamic Edge-Conditioned
Filters in Convolutional Neural Networks on Graphs", CVPR 2017): a regular grid of
user-defined voxel size is laid over a point cloud and all points of one example
inside the same voxel form a cluster."""
from typing import List, Optional, Union

import torch
from torch import Tensor

from ... import ops

__all__ = ["voxel_grid"]

Coord = Optional[Union[float, List[float], Tensor]]


def _per_dim(name: str, value: Coord, dim: int) -> Optional[List[float]]:
    """``value`` as a list of ``dim`` floats; a shorter list repeats its last entry."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (int, float)):
        return [float(value)] * dim
    value = [float(v) for v in value]
    if len(value) == 0 or len(value) > dim:
        raise ValueError(f"voxel_grid: '{name}' must be a number or have at most {dim} "
                         f"entries (one per dimension), got {len(value)}")
    return value + [value[-1]] * (dim - len(value))


def voxel_grid(pos: Tensor, batch: Tensor, size: Union[float, List[float], Tensor],
               start: Coord = None, end: Coord = None) -> Tensor:
    r"""Overlays a regular grid of voxel size ``size`` over a point cloud and
    clusters all points of an example within the same voxel.

    Args:
        pos (Tensor): Node position matrix
            :math:`\mathbf{X} \in \mathbb{R}^{(N_1 + \ldots + N_B) \times D}`.
        batch (LongTensor): Batch vector :math:`\mathbf{b} \in {\{ 0, \ldots,
            B-1\}}^N`, which assigns each node to a specific example.
        size (float or [float] or Tensor): Size of a voxel (in each dimension).
        start (float or [float] or Tensor, optional): Start coordinates of the grid
            (in each dimension). If set to ``None``, will be set to the minimum
            coordinates found in ``pos``. (default: ``None``)
        end (float or [float] or Tensor, optional): End coordinates of the grid (in
            each dimension). If set to ``None``, will be set to the maximum
            coordinates found in ``pos``. (default: ``None``)

    :rtype: :class:`LongTensor` ``[N]``: the voxel id of every point, examples
        counted as one more (slowest) grid dimension.
    """
    pos = pos.unsqueeze(-1) if pos.dim() == 1 else pos
    if pos.dim() != 2:
        raise ValueError(f"voxel_grid: pos must have shape [N, D], got {list(pos.shape)}")
    n, dim = pos.size()
    if batch is None or batch.dim() != 1 or batch.numel() != n:
        got = None if batch is None else list(batch.shape)
        raise ValueError(f"voxel_grid: batch must have one entry per point ({n}), got {got}")
    size_l = _per_dim("size", size, dim)
    start_l, end_l = _per_dim("start", start, dim), _per_dim("end", end, dim)
    points = torch.cat([pos, batch.unsqueeze(-1).to(pos.dtype)], dim=-1)
    size_t = torch.tensor(size_l + [1.0], dtype=pos.dtype, device=pos.device)
    start_t = None if start_l is None else torch.tensor(start_l + [0.0], dtype=pos.dtype,
                                                        device=pos.device)
    end_t = None
    if end_l is not None:
        last = float(batch.max()) if n > 0 else 0.0
        end_t = torch.tensor(end_l + [last], dtype=pos.dtype, device=pos.device)
    return ops.grid(points, size_t, start_t, end_t)
