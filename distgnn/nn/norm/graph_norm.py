r"""GraphNorm (Cai et al., "GraphNorm: A Principled Approach to Accelerating Graph
Neural Network Training", ICML 2021).

.. math::
    \mathbf{x}^{\prime}_i = \frac{\mathbf{x} - \alpha \odot \textrm{E}[\mathbf{x}]}
    {\sqrt{\textrm{Var}[\mathbf{x} - \alpha \odot \textrm{E}[\mathbf{x}]]
    + \epsilon}} \odot \gamma + \beta
"""
from typing import Optional

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ..inits import ones, zeros

__all__ = ["GraphNorm"]


class GraphNorm(torch.nn.Module):
    r"""Graph normalisation with a learnable mean shift :math:`\alpha`.

    Args:
        in_channels (int): Size of each input sample.
        eps (float, optional): Added to the denominator. (default: ``1e-5``)
    """

    def __init__(self, in_channels: int, eps: float = 1e-5):
        super().__init__()
        self.in_channels = in_channels
        self.eps = eps
        self.weight = Parameter(torch.empty(in_channels))
        self.bias = Parameter(torch.empty(in_channels))
        self.mean_scale = Parameter(torch.empty(in_channels))
        self.reset_parameters()

    def reset_parameters(self):
        ones(self.weight)
        zeros(self.bias)
        ones(self.mean_scale)

    def forward(self, x: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        if batch is None:
            batch = x.new_zeros(x.size(0), dtype=torch.long)
        size = int(batch.max()) + 1
        mean = ops.scatter(x, batch, 0, size, "mean").index_select(0, batch)
        out = x - mean * self.mean_scale
        var = ops.scatter(out.pow(2), batch, 0, size, "mean").index_select(0, batch)
        return self.weight * out / (var + self.eps).sqrt() + self.bias

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels})"
