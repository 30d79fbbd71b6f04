r"""CGConv, from Xie & Grossman, "Crystal Graph Convolutional Neural Networks for an
Accurate and Interpretable Prediction of Material Properties" (PRL 2018).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)} \sigma \left(
    \mathbf{z}_{i,j} \mathbf{W}_f + \mathbf{b}_f \right) \odot g \left( \mathbf{z}_{i,j}
    \mathbf{W}_s + \mathbf{b}_s \right), \qquad
    \mathbf{z}_{i,j} = [ \mathbf{x}_i, \mathbf{x}_j, \mathbf{e}_{i,j} ]

The products :math:`\mathbf{z}_{i,j} \mathbf{W}` are split into node-level terms
(computed once per node) plus an edge term, so no ``[E, 2F + D]`` tensor is built.
"""
from typing import Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import BatchNorm1d, Linear

from ...typing import Adj, OptTensor, PairTensor, Size, SparseTensor
from .message_passing import MessagePassing

__all__ = ["CGConv"]


class CGConv(MessagePassing):
    r"""The crystal graph convolutional operator (Xie & Grossman, PRL 2018).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)} \sigma \left(
        \mathbf{z}_{i,j} \mathbf{W}_f + \mathbf{b}_f \right) \odot g \left(
        \mathbf{z}_{i,j} \mathbf{W}_s + \mathbf{b}_s \right)

    with :math:`\mathbf{z}_{i,j} = [\mathbf{x}_i, \mathbf{x}_j, \mathbf{e}_{i,j}]`,
    :math:`\sigma` the sigmoid and :math:`g` the softplus.

    Args:
        channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        dim (int, optional): Edge feature dimensionality. (default: ``0``)
        aggr (string, optional): Aggregation (``"add"``, ``"mean"``, ``"max"``).
            (default: ``"add"``)
        batch_norm (bool, optional): Batch-normalise the aggregation.
            (default: ``False``)
        bias (bool, optional): Learn additive biases. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"a": "Tensor", "b": "Tensor", "edge_attr": "OptTensor"}

    def __init__(self, channels: Union[int, Tuple[int, int]], dim: int = 0,
                 aggr: str = "add", batch_norm: bool = False, bias: bool = True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        self.channels = channels
        self.dim = dim
        self.batch_norm = batch_norm
        if isinstance(channels, int):
            channels = (channels, channels)
        self.c_dst = channels[1]
        self.c_src = channels[0]
        self.lin_f = Linear(sum(channels) + dim, channels[1], bias=bias)
        self.lin_s = Linear(sum(channels) + dim, channels[1], bias=bias)
        # registered (and in the state_dict) even when unused, as in 1.7 checkpoints
        self.bn = BatchNorm1d(channels[1])
        self.reset_parameters()

    def reset_parameters(self):
        self.lin_f.reset_parameters()
        self.lin_s.reset_parameters()
        self.bn.reset_parameters()

    def forward(self, x: Union[Tensor, PairTensor], edge_index: Adj,
                edge_attr: OptTensor = None, size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        # Rows of [W_f; W_s] split by the blocks of z = [x_i, x_j, e].
        w = torch.cat([self.lin_f.weight, self.lin_s.weight], dim=0)
        c_i, c_j = self.c_dst, self.c_src
        a = pair[1] @ w[:, :c_i].t()
        if self.lin_f.bias is not None and self.lin_s.bias is not None:
            a = a + torch.cat([self.lin_f.bias, self.lin_s.bias])
        b = pair[0] @ w[:, c_i:c_i + c_j].t()
        e: OptTensor = None
        if self.dim > 0:
            if edge_attr is None and isinstance(edge_index, SparseTensor):
                edge_attr = edge_index.storage.value()
            if edge_attr is None:
                raise ValueError(f"CGConv: edge_attr of dimension {self.dim} is required")
            e = edge_attr @ w[:, c_i + c_j:].t()
        if size is None:
            size = (pair[0].size(0), pair[1].size(0))
        out = self.propagate(edge_index, a=a, b=b, edge_attr=e, size=size)
        if self.batch_norm:
            out = self.bn(out)
        return out + pair[1]

    def message(self, a_i: Tensor, b_j: Tensor, edge_attr: OptTensor) -> Tensor:
        z = a_i + b_j
        if edge_attr is not None and self.dim > 0:
            z = z + edge_attr
        f, s = z.split(self.c_dst, dim=-1)
        return torch.sigmoid(f) * F.softplus(s)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.channels}, dim={self.dim})"
