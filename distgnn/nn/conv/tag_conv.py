r"""TAGConv, from Du et al., "Topology Adaptive Graph Convolutional Networks" (2017).

.. math::
    \mathbf{X}^{\prime} = \sum_{k=0}^K \left( \mathbf{D}^{-1/2} \mathbf{A}
    \mathbf{D}^{-1/2} \right)^k \mathbf{X} \mathbf{\Theta}_{k}
"""
import torch
from torch import Tensor
from torch.nn import Linear

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from .gcn_conv import gcn_norm
from .message_passing import MessagePassing

__all__ = ["TAGConv"]


class TAGConv(MessagePassing):
    r"""The topology adaptive graph convolutional operator (Du et al., 2017).

    .. math::
        \mathbf{X}^{\prime} = \sum_{k=0}^K \left( \mathbf{D}^{-1/2} \mathbf{A}
        \mathbf{D}^{-1/2} \right)^k \mathbf{X} \mathbf{\Theta}_{k}

    with :math:`D_{ii} = \sum_{j} A_{ij}`; no self-loops are added and edge weights
    enter :math:`\mathbf{A}`.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        K (int, optional): Number of hops :math:`K`. (default: ``3``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        normalize (bool, optional): Apply symmetric normalisation. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True

    def __init__(self, in_channels: int, out_channels: int, K: int = 3, bias: bool = True,
                 normalize: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if not isinstance(K, int) or K < 0:
            raise ValueError(f"TAGConv: K must be a non-negative int, got {K!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.K = K
        self.normalize = normalize
        # Theta_k is lin.weight[:, k * in_channels:(k + 1) * in_channels]
        self.lin = Linear(in_channels * (K + 1), out_channels, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin.reset_parameters()

    def forward(self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None) -> Tensor:
        if self.normalize:
            if isinstance(edge_index, Tensor):
                edge_index, edge_weight = gcn_norm(edge_index, edge_weight,
                                                   x.size(self.node_dim), False, False,
                                                   x.dtype)
            else:
                edge_index = gcn_norm(edge_index, edge_weight, x.size(self.node_dim),
                                      False, False, x.dtype)
        if self.out_channels < self.in_channels:
            # Horner form: X T0 + A (X T1 + A (X T2 + ...)) propagates narrower features.
            weight = self.lin.weight.view(self.out_channels, self.K + 1, self.in_channels)
            out = x @ weight[:, self.K].t()
            for k in range(self.K - 1, -1, -1):
                out = self.propagate(edge_index, x=out, edge_weight=edge_weight, size=None)
                out = out + x @ weight[:, k].t()
            if self.lin.bias is not None:
                out = out + self.lin.bias
            return out
        xs = [x]
        for _ in range(self.K):
            x = self.propagate(edge_index, x=x, edge_weight=edge_weight, size=None)
            xs.append(x)
        return self.lin(torch.cat(xs, dim=-1))

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, K={self.K})"
