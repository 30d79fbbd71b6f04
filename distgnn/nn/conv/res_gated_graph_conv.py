r"""ResGatedGraphConv, from Bresson & Laurent, "Residual Gated Graph ConvNets" (2017).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{W}_1 \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)}
    \eta_{i,j} \odot \mathbf{W}_2 \mathbf{x}_j, \qquad
    \eta_{i,j} = \sigma(\mathbf{W}_3 \mathbf{x}_i + \mathbf{W}_4 \mathbf{x}_j)
"""
from typing import Callable, Optional, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Linear, Parameter, Sigmoid

from ...typing import Adj, PairTensor
from ..inits import zeros
from .message_passing import MessagePassing

__all__ = ["ResGatedGraphConv"]


class ResGatedGraphConv(MessagePassing):
    r"""The residual gated graph convolutional operator (Bresson & Laurent, 2017).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{W}_1 \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)}
        \eta_{i,j} \odot \mathbf{W}_2 \mathbf{x}_j, \qquad
        \eta_{i,j} = \sigma(\mathbf{W}_3 \mathbf{x}_i + \mathbf{W}_4 \mathbf{x}_j)

    :math:`\mathbf{W}_1` is ``lin_skip``, :math:`\mathbf{W}_2` ``lin_value``,
    :math:`\mathbf{W}_3` ``lin_key`` and :math:`\mathbf{W}_4` ``lin_query``.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        act (callable, optional): Gating function :math:`\sigma`.
            (default: :class:`torch.nn.Sigmoid()`)
        root_weight (bool, optional): Add the transformed root features
            :math:`\mathbf{W}_1 \mathbf{x}_i`. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"k": "Tensor", "q": "Tensor", "v": "Tensor"}

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 act: Optional[Callable] = Sigmoid(), root_weight: bool = True,
                 bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.act = act
        self.root_weight = root_weight
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.lin_key = Linear(in_channels[1], out_channels)
        self.lin_query = Linear(in_channels[0], out_channels)
        self.lin_value = Linear(in_channels[0], out_channels)
        self.lin_skip = Linear(in_channels[1], out_channels, bias=False) \
            if root_weight else None
        self.bias = Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        self.lin_key.reset_parameters()
        self.lin_query.reset_parameters()
        self.lin_value.reset_parameters()
        if self.lin_skip is not None:
            self.lin_skip.reset_parameters()
        zeros(self.bias)

    def forward(self, x: Union[Tensor, PairTensor], edge_index: Adj) -> Tensor:
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        k = self.lin_key(pair[1])
        q = self.lin_query(pair[0])
        v = self.lin_value(pair[0])
        out = self.propagate(edge_index, k=k, q=q, v=v,
                             size=(pair[0].size(0), pair[1].size(0)))
        if self.lin_skip is not None:
            out = out + self.lin_skip(pair[1])
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, k_i: Tensor, q_j: Tensor, v_j: Tensor) -> Tensor:
        gate = k_i + q_j
        if self.act is not None:
            gate = self.act(gate)
        return gate * v_j
