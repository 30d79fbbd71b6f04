r"""NNConv (alias ECConv), from Gilmer et al., "Neural Message Passing for Quantum
Chemistry" (ICML 2017) and Simonovsky & Komodakis, "Dynamic Edge-Conditioned
Filters in Convolutional Neural Networks on Graphs" (CVPR 2017).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{\Theta} \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)}
    \mathbf{x}_j \cdot h_{\mathbf{\Theta}}(\mathbf{e}_{i,j})
"""
from typing import Callable, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Parameter

from ...typing import Adj, OptPairTensor, OptTensor, Size
from ..inits import reset, uniform, zeros
from .message_passing import MessagePassing

__all__ = ["NNConv", "ECConv"]


class NNConv(MessagePassing):
    r"""The continuous kernel-based convolutional operator (Gilmer et al., ICML 2017),
    also known as the edge-conditioned convolution (Simonovsky & Komodakis, CVPR 2017).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{\Theta} \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)}
        \mathbf{x}_j \cdot h_{\mathbf{\Theta}}(\mathbf{e}_{i,j}),

    where :math:`h_{\mathbf{\Theta}}` is a neural network (e.g. an MLP) mapping every
    edge feature vector to an ``in_channels x out_channels`` matrix.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        nn (torch.nn.Module): Maps ``edge_attr`` of shape ``[-1, num_edge_features]``
            to shape ``[-1, in_channels * out_channels]``.
        aggr (string, optional): The aggregation scheme (``"add"``, ``"mean"``,
            ``"max"``). (default: ``"add"``)
        root_weight (bool, optional): If ``False``, do not add the transformed root
            node features. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor", "edge_attr": "OptTensor"}
    root: OptTensor

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 nn: Callable, aggr: str = "add", root_weight: bool = True,
                 bias: bool = True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.nn = nn
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.in_channels_l = in_channels[0]
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
        reset(self.nn)
        if self.root is not None:
            uniform(self.root.size(0), self.root)
        zeros(self.bias)

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
            raise ValueError("NNConv: edge_attr is required (pass it or store it as the "
                             "SparseTensor value)")
        if edge_attr.dim() == 1:
            edge_attr = edge_attr.unsqueeze(-1)
        weight = self.nn(edge_attr).view(-1, self.in_channels_l, self.out_channels)
        return torch.bmm(x_j.unsqueeze(1), weight).squeeze(1)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self.in_channels}, {self.out_channels}, '
                f'aggr="{self.aggr}", nn={self.nn})')


ECConv = NNConv
