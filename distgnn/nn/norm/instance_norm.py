r"""InstanceNorm over each graph of a mini-batch (Ulyanov et al., 2016).

.. math::
    \mathbf{x}^{\prime}_i = \frac{\mathbf{x} - \textrm{E}[\mathbf{x}]}
    {\sqrt{\textrm{Var}[\mathbf{x}] + \epsilon}} \odot \gamma + \beta

Mean and (biased) variance are taken per channel, separately for every graph.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from ... import ops

__all__ = ["InstanceNorm"]


class InstanceNorm(torch.nn.modules.instancenorm._InstanceNorm):
    r"""Instance normalisation of node features, one instance per graph.

    Args:
        in_channels (int): Size of each input sample.
        eps (float, optional): Added to the denominator. (default: ``1e-5``)
        momentum (float, optional): Running-statistics momentum. (default: ``0.1``)
        affine (bool, optional): Learn :math:`\gamma` and :math:`\beta`.
            (default: ``False``)
        track_running_stats (bool, optional): Track running statistics; otherwise
            instance statistics are used in training and evaluation.
            (default: ``False``)
    """

    def __init__(self, in_channels: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False):
        super().__init__(in_channels, eps, momentum, affine, track_running_stats)

    def _check_input_dim(self, input: Tensor) -> None:
        return None

    def forward(self, x: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        if batch is None:
            out = F.instance_norm(x.t().unsqueeze(0), self.running_mean, self.running_var,
                                  self.weight, self.bias,
                                  self.training or not self.track_running_stats,
                                  self.momentum, self.eps)
            return out.squeeze(0).t()
        size = int(batch.max()) + 1
        if self.training or not self.track_running_stats:
            mean = ops.scatter(x, batch, 0, size, "mean")
            centred = x - mean.index_select(0, batch)
            var = ops.scatter(centred * centred, batch, 0, size, "mean")
            out = centred / (var + self.eps).sqrt().index_select(0, batch)
            if self.training and self.track_running_stats:
                self._update_running(mean, var, batch, size)
        else:
            out = (x - self.running_mean) / (self.running_var + self.eps).sqrt()
        if self.weight is not None and self.bias is not None:
            out = out * self.weight + self.bias
        return out

    def _update_running(self, mean: Tensor, var: Tensor, batch: Tensor, size: int) -> None:
        with torch.no_grad():
            counts = torch.bincount(batch, minlength=size).clamp(min=2).to(var.dtype)
            unbiased = var * (counts / (counts - 1)).view(-1, 1)
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(m * mean.mean(0))
            self.running_var.mul_(1 - m).add_(m * unbiased.mean(0))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_features})"
