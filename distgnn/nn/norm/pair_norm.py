r"""PairNorm (Zhao & Akoglu, "PairNorm: Tackling Oversmoothing in GNNs", ICLR 2020).

.. math::
    \mathbf{x}_i^c = \mathbf{x}_i - \frac{1}{n} \sum_{i=1}^n \mathbf{x}_i, \qquad
    \mathbf{x}_i^{\prime} = s \cdot \frac{\mathbf{x}_i^c}{\sqrt{\frac{1}{n}
    \sum_{i=1}^n \| \mathbf{x}_i^c \|^2_2}}
"""
from typing import Optional

import torch
from torch import Tensor

from ... import ops

__all__ = ["PairNorm"]


class PairNorm(torch.nn.Module):
    r"""Pair normalisation, per graph of the mini-batch.

    Args:
        scale (float, optional): Scaling factor :math:`s`. (default: ``1.``)
        scale_individually (bool, optional): Scale each node by its own norm,
            :math:`s \cdot \mathbf{x}_i^c / \|\mathbf{x}_i^c\|_2`. (default: ``False``)
        eps (float, optional): Added to the denominator. (default: ``1e-5``)
    """

    def __init__(self, scale: float = 1.0, scale_individually: bool = False,
                 eps: float = 1e-5):
        super().__init__()
        self.scale = scale
        self.scale_individually = scale_individually
        self.eps = eps

    def forward(self, x: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        if batch is None:
            batch = x.new_zeros(x.size(0), dtype=torch.long)
        size = int(batch.max()) + 1
        centred = x - ops.scatter(x, batch, 0, size, "mean").index_select(0, batch)
        if self.scale_individually:
            return self.scale * centred / (self.eps + centred.norm(p=2, dim=-1, keepdim=True))
        mean_sq = ops.scatter(centred.pow(2).sum(-1, keepdim=True), batch, 0, size, "mean")
        return self.scale * centred / (self.eps + mean_sq.index_select(0, batch)).sqrt()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
