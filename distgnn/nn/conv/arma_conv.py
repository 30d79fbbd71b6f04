r"""ARMAConv, from Bianchi et al., "Graph Neural Networks with Convolutional ARMA
Filters" (TPAMI 2021).

.. math::
    \mathbf{X}^{\prime} = \frac{1}{K} \sum_{k=1}^K \mathbf{X}_k^{(T)}, \quad
    \mathbf{X}_k^{(t+1)} = \sigma \left( \mathbf{\hat{L}} \mathbf{X}_k^{(t)} \mathbf{W} +
    \mathbf{X}^{(0)} \mathbf{V} \right),

with :math:`\mathbf{\hat{L}} = \mathbf{D}^{-1/2} \mathbf{A} \mathbf{D}^{-1/2}`. The
``K`` stacks are kept as a leading dimension: features have shape ``[K, N, F]``.
"""
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter, ReLU

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from ..inits import glorot, zeros
from .gcn_conv import gcn_norm
from .message_passing import MessagePassing

__all__ = ["ARMAConv"]


class ARMAConv(MessagePassing):
    r"""The ARMA graph convolutional operator (Bianchi et al.).

    .. math::
        \mathbf{X}^{\prime} = \frac{1}{K} \sum_{k=1}^K \mathbf{X}_k^{(T)}, \qquad
        \mathbf{X}_k^{(t+1)} = \sigma \left( \mathbf{\hat{L}} \mathbf{X}_k^{(t)}
        \mathbf{W} + \mathbf{X}^{(0)} \mathbf{V} \right)

    with :math:`\mathbf{\hat{L}} = \mathbf{I} - \mathbf{L} = \mathbf{D}^{-1/2}
    \mathbf{A} \mathbf{D}^{-1/2}`.

    Args:
        in_channels (int): Size of each input sample :math:`\mathbf{x}^{(t)}`.
        out_channels (int): Size of each output sample :math:`\mathbf{x}^{(t+1)}`.
        num_stacks (int, optional): Number of parallel stacks :math:`K`. (default: ``1``)
        num_layers (int, optional): Number of layers :math:`T`. (default: ``1``)
        shared_weights (bool, optional): Share the parameters of the layers of each
            stack. (default: ``False``)
        act (callable, optional): Activation :math:`\sigma`.
            (default: :class:`torch.nn.ReLU()`)
        dropout (float, optional): Dropout probability of the skip connection.
            (default: ``0.``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True

    def __init__(self, in_channels: int, out_channels: int, num_stacks: int = 1,
                 num_layers: int = 1, shared_weights: bool = False,
                 act: Optional[Callable] = ReLU(), dropout: float = 0.0, bias: bool = True,
                 **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        for name, value in (("num_stacks", num_stacks), ("num_layers", num_layers)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"ARMAConv: {name} must be a positive int, got {value!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_stacks = num_stacks
        self.num_layers = num_layers
        self.shared_weights = shared_weights
        self.act = act
        self.dropout = dropout

        K, F_in, F_out = num_stacks, in_channels, out_channels
        T = 1 if shared_weights else num_layers
        self.init_weight = Parameter(torch.empty(K, F_in, F_out))
        self.weight = Parameter(torch.empty(max(1, T - 1), K, F_out, F_out))
        self.root_weight = Parameter(torch.empty(T, K, F_in, F_out))
        self.bias = Parameter(torch.empty(T, K, 1, F_out)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.init_weight)
        glorot(self.weight)
        glorot(self.root_weight)
        zeros(self.bias)

    def forward(self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None) -> Tensor:
        if isinstance(edge_index, Tensor):
            edge_index, edge_weight = gcn_norm(edge_index, edge_weight,
                                               x.size(self.node_dim), False, False, x.dtype)
        else:
            edge_index = gcn_norm(edge_index, edge_weight, x.size(self.node_dim), False,
                                  False, x.dtype)

        x = x.unsqueeze(-3)
        out = x
        for t in range(self.num_layers):
            if t == 0:
                out = out @ self.init_weight
            else:
                out = out @ self.weight[0 if self.shared_weights else t - 1]
            out = self.propagate(edge_index, x=out, edge_weight=edge_weight, size=None)
            i = 0 if self.shared_weights else t
            root = F.dropout(x, p=self.dropout, training=self.training)
            out = out + root @ self.root_weight[i]
            if self.bias is not None:
                out = out + self.bias[i]
            if self.act is not None:
                out = self.act(out)
        return out.mean(dim=-3)

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        # [K, N, F] -> [N, K * F] so that one sparse product serves every stack.
        K, N, C = x.size(0), x.size(1), x.size(2)
        flat = x.transpose(0, 1).reshape(N, K * C)
        out = ops.spmm(adj_t, flat, reduce=self.aggr)
        return out.view(-1, K, C).transpose(0, 1)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"num_stacks={self.num_stacks}, num_layers={self.num_layers})")
