r"""GINEConv, from Hu et al., "Strategies for Pre-training Graph Neural Networks"
(ICLR 2020): :class:`GINConv` with edge features.

.. math::
    \mathbf{x}^{\prime}_i = h_{\mathbf{\Theta}} \left( (1 + \epsilon) \cdot
    \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)} \mathrm{ReLU}
    ( \mathbf{x}_j + \mathbf{e}_{j,i} ) \right)
"""
from typing import Callable, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter

from ...typing import Adj, OptPairTensor, OptTensor, Size
from ..inits import reset
from .message_passing import MessagePassing

__all__ = ["GINEConv"]


class GINEConv(MessagePassing):
    r"""The edge-aware graph isomorphism operator (Hu et al., ICLR 2020).

    .. math::
        \mathbf{x}^{\prime}_i = h_{\mathbf{\Theta}} \left( (1 + \epsilon) \cdot
        \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)} \mathrm{ReLU}
        ( \mathbf{x}_j + \mathbf{e}_{j,i} ) \right)

    Edge features must have the node feature size. For a ``SparseTensor`` input
    they are its values.

    Args:
        nn (torch.nn.Module): :math:`h_{\mathbf{\Theta}}`, mapping ``[-1, in_channels]``
            to ``[-1, out_channels]``, e.g. a :class:`torch.nn.Sequential`.
        eps (float, optional): (Initial) :math:`\epsilon`. (default: ``0.``)
        train_eps (bool, optional): Learn :math:`\epsilon`. (default: ``False``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor", "edge_attr": "OptTensor"}

    def __init__(self, nn: Callable, eps: float = 0.0, train_eps: bool = False, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if not callable(nn):
            raise TypeError(f"{type(self).__name__}: nn must be a callable module, "
                            f"got {type(nn).__name__}")
        self.nn = nn
        self.initial_eps = eps
        if train_eps:
            self.eps = Parameter(torch.tensor([float(eps)]))
        else:
            self.register_buffer("eps", torch.tensor([float(eps)]))
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.nn)
        self.eps.data.fill_(self.initial_eps)

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj,
                edge_attr: OptTensor = None, size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        if isinstance(edge_index, Tensor):
            if edge_attr is None:
                raise ValueError("GINEConv: edge_attr is required for an edge_index input")
            if edge_attr.size(-1) != pair[0].size(-1):
                raise ValueError("GINEConv: edge_attr must have the node feature size "
                                 + str(pair[0].size(-1)) + ", got "
                                 + str(edge_attr.size(-1)))
        else:
            if not edge_index.has_value():
                raise ValueError("GINEConv: the SparseTensor must hold edge features "
                                 "as its values")
        out = self.propagate(edge_index, x=pair, edge_attr=edge_attr, size=size)
        x_r = pair[1]
        if x_r is not None:
            out = out + (1 + self.eps) * x_r
        return self.nn(out)

    def message(self, x_j: Tensor, edge_attr: OptTensor) -> Tensor:
        # forward() guarantees edge features; None only reaches here via propagate().
        if edge_attr is None:
            raise ValueError("GINEConv.message: edge_attr is required")
        return F.relu(x_j + edge_attr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(nn={self.nn})"
