r"""GMMConv, from Monti et al., "Geometric Deep Learning on Graphs and Manifolds using
Mixture Model CNNs" (CVPR 2017).

.. math::
    \mathbf{x}^{\prime}_i = \frac{1}{|\mathcal{N}(i)|} \sum_{j \in \mathcal{N}(i)}
    \sum_{k=1}^K \mathbf{w}_k(\mathbf{e}_{i,j}) \odot \mathbf{\Theta}_k \mathbf{x}_j,
    \qquad \mathbf{w}_k(\mathbf{e}) = \exp \left( -\frac{1}{2} (\mathbf{e} -
    \mathbf{\mu}_k)^{\top} \Sigma_k^{-1} (\mathbf{e} - \mathbf{\mu}_k) \right)

with trainable means :math:`\mathbf{\mu}_k` and diagonal covariances
:math:`\Sigma_k = \mathrm{diag}(\mathbf{\sigma}_k^2)`. The :math:`1/K` of the
documented formula is a constant absorbed into :math:`\mathbf{\Theta}_k`.
"""
from typing import Tuple, Union

import torch
from torch import Tensor
from torch.nn import Parameter

from ...typing import Adj, OptPairTensor, OptTensor, Size
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["GMMConv"]



class GMMConv(MessagePassing):
    r"""The gaussian mixture model convolutional operator (Monti et al., CVPR 2017).

    .. math::
        \mathbf{x}^{\prime}_i = \frac{1}{|\mathcal{N}(i)|} \sum_{j \in \mathcal{N}(i)}
        \sum_{k=1}^K \mathbf{w}_k(\mathbf{e}_{i,j}) \odot \mathbf{\Theta}_k \mathbf{x}_j
        + \mathbf{\Theta}_r \mathbf{x}_i + \mathbf{b},

    with :math:`\mathbf{w}_k(\mathbf{e}) = \exp(-\frac{1}{2} (\mathbf{e} -
    \mathbf{\mu}_k)^{\top} \Sigma_k^{-1} (\mathbf{e} - \mathbf{\mu}_k))`; the edge
    attribute is usually :math:`\mathbf{e}_{i,j} = \mathbf{p}_j - \mathbf{p}_i`.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        dim (int): Pseudo-coordinate dimensionality.
        kernel_size (int): Number of kernels :math:`K`.
        separate_gaussians (bool, optional): Learn separate GMMs for every pair of input
            and output channel. (default: ``False``)
        aggr (string, optional): The aggregation operator (``"add"``, ``"mean"``,
            ``"max"``). (default: ``"mean"``)
        root_weight (bool, optional): If ``False``, do not add transformed root node
            features. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor", "edge_attr": "OptTensor"}
    root: OptTensor
    bias: OptTensor

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 dim: int, kernel_size: int, separate_gaussians: bool = False,
                 aggr: str = "mean", root_weight: bool = True, bias: bool = True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        if int(kernel_size) < 1 or int(dim) < 1:
            raise ValueError(f"GMMConv: dim and kernel_size must be positive, got "
                             f"dim={dim}, kernel_size={kernel_size}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.dim = dim
        self.kernel_size = kernel_size
        self.separate_gaussians = separate_gaussians
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.rel_in_channels = in_channels[0]
        self.g = Parameter(torch.empty(in_channels[0], out_channels * kernel_size))
        if separate_gaussians:
            shape = (in_channels[0], out_channels, kernel_size, dim)
        else:
            shape = (kernel_size, dim)
        self.mu = Parameter(torch.empty(shape))
        self.sigma = Parameter(torch.empty(shape))
        if root_weight:
            self.root = Parameter(torch.empty(in_channels[1], out_channels))
        else:
            self.register_parameter("root", None)
        if bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.g)
        glorot(self.mu)
        glorot(self.sigma)
        glorot(self.root)
        zeros(self.bias)

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj,
                edge_attr: OptTensor = None, size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        if self.separate_gaussians:
            out = self.propagate(edge_index, x=pair, edge_attr=edge_attr, size=size)
        else:  # transform once per node: x_j Theta_k for all k
            lifted: OptPairTensor = (pair[0] @ self.g, pair[1])
            out = self.propagate(edge_index, x=lifted, edge_attr=edge_attr, size=size)
        x_r = pair[1]
        root = self.root
        if x_r is not None and root is not None:
            out = out + x_r @ root
        bias = self.bias
        if bias is not None:
            out = out + bias
        return out

    def message(self, x_j: Tensor, edge_attr: OptTensor) -> Tensor:
        if edge_attr is None:
            raise ValueError("GMMConv: edge_attr (pseudo-coordinates) is required")
        if edge_attr.dim() == 1:
            edge_attr = edge_attr.unsqueeze(-1)
        num_edges, dim = edge_attr.size(0), edge_attr.size(1)
        k, m = self.kernel_size, self.out_channels
        if not self.separate_gaussians:
            diff = edge_attr.view(num_edges, 1, dim) - self.mu.view(1, k, dim)
            expo = -0.5 * diff.pow(2) / (1e-15 + self.sigma.view(1, k, dim).pow(2))
            gaussian = torch.exp(expo.sum(dim=-1))  # [E, K]
            return torch.bmm(gaussian.unsqueeze(1), x_j.view(num_edges, k, m)).squeeze(1)
        f = self.rel_in_channels
        diff = edge_attr.view(num_edges, 1, 1, 1, dim) - self.mu.view(1, f, m, k, dim)
        expo = -0.5 * diff.pow(2) / (1e-15 + self.sigma.view(1, f, m, k, dim).pow(2))
        gaussian = torch.exp(expo.sum(dim=-1))  # [E, F, M, K]
        gaussian = (gaussian * self.g.view(1, f, m, k)).sum(dim=-1)  # [E, F, M]
        return (x_j.view(num_edges, f, 1) * gaussian).sum(dim=1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, dim={self.dim})"
