r"""SplineConv, from Fey et al., "SplineCNN: Fast Geometric Deep Learning with
Continuous B-Spline Kernels" (CVPR 2018).

.. math::
    \mathbf{x}^{\prime}_i = \frac{1}{|\mathcal{N}(i)|} \sum_{j \in \mathcal{N}(i)}
    \mathbf{x}_j \cdot h_{\mathbf{\Theta}}(\mathbf{e}_{i,j}),

where :math:`h_{\mathbf{\Theta}}(\mathbf{e}) = \sum_s B_s(\mathbf{e})\,
\mathbf{\Theta}_{\text{id}_s(\mathbf{e})}` weights the kernel matrices by the
B-spline tensor-product basis of the pseudo-coordinates :math:`\mathbf{e}_{i,j} \in
[0, 1]^D` (see :mod:`distgnn.ops.spline`).
"""
from typing import List, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Parameter

from ...ops import spline_basis, spline_weighting
from ...typing import Adj, OptPairTensor, OptTensor, Size
from ..inits import uniform, zeros
from .message_passing import MessagePassing

__all__ = ["SplineConv"]


def _per_dim(value, dim: int, name: str) -> List:
    if isinstance(value, (list, tuple)):
        if len(value) != dim:
            raise ValueError(f"SplineConv: {name} needs one entry per dimension ({dim}), "
                             f"got {len(value)}")
        return list(value)
    if isinstance(value, Tensor):
        if value.numel() == 1:
            return [value.item()] * dim
        if value.numel() != dim:
            raise ValueError(f"SplineConv: {name} needs one entry per dimension ({dim}), "
                             f"got {value.numel()}")
        return value.tolist()
    return [value] * dim


class SplineConv(MessagePassing):
    r"""The spline-based convolutional operator (Fey et al., CVPR 2018).

    .. math::
        \mathbf{x}^{\prime}_i = \frac{1}{|\mathcal{N}(i)|} \sum_{j \in \mathcal{N}(i)}
        \mathbf{x}_j \cdot h_{\mathbf{\Theta}}(\mathbf{e}_{i,j}) + \mathbf{\Theta}_r
        \mathbf{x}_i + \mathbf{b},

    where :math:`h_{\mathbf{\Theta}}` is a kernel function defined over the weighted
    B-spline tensor product basis. Pseudo-coordinates (``edge_attr``) must lie in
    :math:`[0, 1]`.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        dim (int): Pseudo-coordinate dimensionality.
        kernel_size (int or [int]): Size of the convolving kernel (knots per dimension).
        is_open_spline (bool or [bool], optional): If ``False``, use a closed B-spline
            basis in this dimension. (default: ``True``)
        degree (int, optional): B-spline basis degree, 1, 2 or 3. (default: ``1``)
        aggr (string, optional): The aggregation operator (``"add"``, ``"mean"``,
            ``"max"``). (default: ``"mean"``)
        root_weight (bool, optional): If ``False``, do not add the transformed root
            node features. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor", "edge_attr": "OptTensor"}
    root: OptTensor

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 dim: int, kernel_size: Union[int, List[int]], is_open_spline: bool = True,
                 degree: int = 1, aggr: str = "mean", root_weight: bool = True,
                 bias: bool = True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        if int(degree) not in (1, 2, 3):
            raise ValueError(f"SplineConv: degree must be 1, 2 or 3, got {degree}")
        if int(dim) < 1:
            raise ValueError(f"SplineConv: dim must be a positive integer, got {dim}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.dim = dim
        self.degree = int(degree)

        ks = torch.tensor(_per_dim(kernel_size, dim, "kernel_size"), dtype=torch.long)
        if bool((ks < 1).any()):
            raise ValueError(f"SplineConv: kernel_size must be positive, got {ks.tolist()}")
        is_open = torch.tensor(_per_dim(is_open_spline, dim, "is_open_spline"),
                               dtype=torch.uint8)
        if bool(((ks - self.degree * is_open.long()) < 1).any()):
            raise ValueError(f"SplineConv: an open spline of degree {self.degree} needs "
                             f"kernel_size > degree, got {ks.tolist()}")
        self.register_buffer("kernel_size", ks)
        self.register_buffer("is_open_spline", is_open)

        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.weight = Parameter(torch.empty(int(ks.prod()), in_channels[0], out_channels))
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
        size = self.weight.size(0) * self.weight.size(1)
        uniform(size, self.weight)
        uniform(size, self.root)
        uniform(size, self.bias)

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj,
                edge_attr: OptTensor = None, size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        out = self.propagate(edge_index, x=pair, edge_attr=edge_attr, size=size)
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
            raise ValueError("SplineConv: edge_attr (pseudo-coordinates) is required; pass "
                             "it or store it as the SparseTensor value")
        basis, weight_index = spline_basis(edge_attr, self.kernel_size, self.is_open_spline,
                                           self.degree)
        return spline_weighting(x_j, self.weight, basis, weight_index)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, dim={self.dim})"
