r"""GINConv, from Xu et al., "How Powerful are Graph Neural Networks?" (ICLR 2019).

.. math::
    \mathbf{x}^{\prime}_i = h_{\mathbf{\Theta}} \left( (1 + \epsilon) \cdot
    \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)} \mathbf{x}_j \right)
"""
from typing import Callable, Union

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import Adj, OptPairTensor, Size, SparseTensor
from ..inits import reset
from .message_passing import MessagePassing

__all__ = ["GINConv"]


class GINConv(MessagePassing):
    r"""The graph isomorphism operator (Xu et al., ICLR 2019).

    .. math::
        \mathbf{x}^{\prime}_i = h_{\mathbf{\Theta}} \left( (1 + \epsilon) \cdot
        \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)} \mathbf{x}_j \right)

    or :math:`\mathbf{X}^{\prime} = h_{\mathbf{\Theta}}((\mathbf{A} + (1 + \epsilon)
    \mathbf{I}) \mathbf{X})`, with :math:`h_{\mathbf{\Theta}}` a neural network.

    Args:
        nn (torch.nn.Module): :math:`h_{\mathbf{\Theta}}`, mapping ``[-1, in_channels]``
            to ``[-1, out_channels]``, e.g. a :class:`torch.nn.Sequential`.
        eps (float, optional): (Initial) :math:`\epsilon`. (default: ``0.``)
        train_eps (bool, optional): Learn :math:`\epsilon`. (default: ``False``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor"}
    fuse_edge_index = True

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
                size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        out = self.propagate(edge_index, x=pair, size=size)
        x_r = pair[1]
        if x_r is not None:
            out = out + (1 + self.eps) * x_r
        return self.nn(out)

    def message(self, x_j: Tensor) -> Tensor:
        return x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: OptPairTensor) -> Tensor:
        return ops.spmm(adj_t.set_value(None, layout=None), x[0], reduce=self.aggr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(nn={self.nn})"
