r"""XConv, from Li et al., "PointCNN: Convolution On X-Transformed Points"
(NeurIPS 2018).

.. math::
    \mathbf{x}^{\prime}_i = \mathrm{Conv}\left(\mathbf{K},
    \gamma_{\mathbf{\Theta}}(\mathbf{P}_i - \mathbf{p}_i) \times
    \left( h_\mathbf{\Theta}(\mathbf{P}_i - \mathbf{p}_i) \, \Vert \,
    \mathbf{x}_i \right) \right)

:math:`\mathbf{P}_i` holds the positions of the ``kernel_size`` nearest neighbours of
point :math:`i` (itself included; drawn from the ``kernel_size * dilation``
nearest when dilated), :math:`h_{\mathbf{\Theta}}` lifts every relative position to
``hidden_channels`` features, :math:`\gamma_{\mathbf{\Theta}}` predicts the
``K x K`` :math:`\mathcal{X}`-transformation from the whole neighbourhood, and
:math:`\mathbf{K}` is a depthwise-separable convolution over the transformed
neighbourhood.
"""
import math
from typing import Optional

import torch
from torch import Tensor
from torch.nn import BatchNorm1d, Conv1d, ELU, Linear, Module, Sequential

from ... import ops
from ..inits import reset

__all__ = ["XConv"]


class Reshape(Module):
    """``x.view(*shape)`` as a module, for use inside ``Sequential``."""

    def __init__(self, *shape: int):
        super().__init__()
        self.shape = shape

    def forward(self, x: Tensor) -> Tensor:
        return x.view(self.shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.shape}"


class XConv(Module):
    r"""The convolutional operator on :math:`\mathcal{X}`-transformed points
    (Li et al., NeurIPS 2018).

    .. math::
        \mathbf{x}^{\prime}_i = \mathrm{Conv}\left(\mathbf{K},
        \gamma_{\mathbf{\Theta}}(\mathbf{P}_i - \mathbf{p}_i) \times
        \left( h_\mathbf{\Theta}(\mathbf{P}_i - \mathbf{p}_i) \, \Vert \,
        \mathbf{x}_i \right) \right)

    Args:
        in_channels (int): Size of each input sample (0 when no features are given).
        out_channels (int): Size of each output sample.
        dim (int): Point cloud dimensionality.
        kernel_size (int): Size of the convolving kernel, i.e. number of neighbors
            including self-loops.
        hidden_channels (int, optional): Output size of :math:`h_{\mathbf{\Theta}}`; set
            to ``in_channels // 4`` when ``None``. (default: ``None``)
        dilation (int, optional): The ``kernel_size`` neighbours are drawn uniformly from
            the ``kernel_size * dilation`` nearest. (default: ``1``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        num_workers (int): Number of workers for the kNN computation. (default: ``1``)
    """

    def __init__(self, in_channels: int, out_channels: int, dim: int, kernel_size: int,
                 hidden_channels: Optional[int] = None, dilation: int = 1, bias: bool = True,
                 num_workers: int = 1):
        super().__init__()
        if hidden_channels is None:
            hidden_channels = in_channels // 4
        if hidden_channels < 1:
            raise ValueError(f"XConv: hidden_channels must be positive (it defaults to "
                             f"in_channels // 4), got {hidden_channels}")
        if int(kernel_size) < 1 or int(dilation) < 1:
            raise ValueError(f"XConv: kernel_size and dilation must be positive, got "
                             f"{kernel_size} and {dilation}")
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.dim = dim
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.num_workers = num_workers

        c_delta, k = hidden_channels, kernel_size
        self.mlp1 = Sequential(Linear(dim, c_delta), ELU(), BatchNorm1d(c_delta),
                               Linear(c_delta, c_delta), ELU(), BatchNorm1d(c_delta),
                               Reshape(-1, k, c_delta))
        self.mlp2 = Sequential(Linear(dim * k, k * k), ELU(), BatchNorm1d(k * k),
                               Reshape(-1, k, k),
                               Conv1d(k, k * k, k, groups=k), ELU(), BatchNorm1d(k * k),
                               Reshape(-1, k, k),
                               Conv1d(k, k * k, k, groups=k), BatchNorm1d(k * k),
                               Reshape(-1, k, k))
        c_in = in_channels + c_delta
        depth = int(math.ceil(out_channels / c_in))
        self.conv = Sequential(Conv1d(c_in, c_in * depth, k, groups=c_in),
                               Reshape(-1, c_in * depth),
                               Linear(c_in * depth, out_channels, bias=bias))
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.mlp1)
        reset(self.mlp2)
        reset(self.conv)

    def forward(self, x: Optional[Tensor], pos: Tensor, batch: Optional[Tensor] = None):
        pos = pos.unsqueeze(-1) if pos.dim() == 1 else pos
        n, d = pos.size(0), pos.size(1)
        k = self.kernel_size
        if d != self.dim:
            raise ValueError(f"XConv: expected {self.dim}-dimensional positions, got {d}")
        centre, nbr = self._neighbourhoods(pos, batch)
        rel = pos[nbr] - pos[centre]  # [N * K, D], grouped by centre
        x_star = self.mlp1(rel)  # [N, K, C_delta]
        if x is not None:
            x = x.unsqueeze(-1) if x.dim() == 1 else x
            x_star = torch.cat([x_star, x[nbr].view(n, k, x.size(-1))], dim=-1)
        x_star = x_star.transpose(1, 2).contiguous()  # [N, C_in + C_delta, K]
        transform = self.mlp2(rel.view(n, k * d))  # [N, K, K]
        return self.conv(torch.matmul(x_star, transform))

    def _neighbourhoods(self, pos: Tensor, batch: Optional[Tensor]):
        """``(centre, neighbour)`` index vectors, ``kernel_size`` entries per point."""
        n, k, dil = pos.size(0), self.kernel_size, self.dilation
        assign = ops.knn(pos, pos, k * dil, batch, batch, False, self.num_workers)
        if assign.size(1) != n * k * dil:
            raise ValueError(f"XConv: every example needs at least kernel_size * dilation "
                             f"= {k * dil} points")
        centre, nbr = assign[0], assign[1]
        if dil > 1:  # uniform sample of K out of the K * dilation nearest
            pick = torch.rand(n, k * dil, device=pos.device).argsort(dim=1)[:, :k]
            pick = (pick + torch.arange(n, device=pos.device).unsqueeze(1) * (k * dil))
            centre, nbr = centre[pick.view(-1)], nbr[pick.view(-1)]
        return centre, nbr

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
