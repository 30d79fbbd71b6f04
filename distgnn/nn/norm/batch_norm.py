r"""BatchNorm over node features (Ioffe & Szegedy, ICML 2015).

.. math::
    \mathbf{x}^{\prime}_i = \frac{\mathbf{x} - \textrm{E}[\mathbf{x}]}
    {\sqrt{\textrm{Var}[\mathbf{x}] + \epsilon}} \odot \gamma + \beta

Statistics are taken per channel over all nodes of the mini-batch.
"""
import torch
from torch import Tensor

__all__ = ["BatchNorm"]


class BatchNorm(torch.nn.Module):
    r"""Batch normalisation of node features.

    Args:
        in_channels (int): Size of each input sample.
        eps (float, optional): Added to the denominator. (default: ``1e-5``)
        momentum (float, optional): Running-statistics momentum. (default: ``0.1``)
        affine (bool, optional): Learn :math:`\gamma` and :math:`\beta`.
            (default: ``True``)
        track_running_stats (bool, optional): Track running mean and variance.
            (default: ``True``)
    """

    def __init__(self, in_channels: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.module = torch.nn.BatchNorm1d(in_channels, eps, momentum, affine,
                                           track_running_stats)

    def reset_parameters(self):
        self.module.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        return self.module(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels})"
