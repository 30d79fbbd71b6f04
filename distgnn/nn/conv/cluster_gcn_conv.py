r"""ClusterGCNConv, from Chiang et al., "Cluster-GCN: An Efficient Algorithm for
Training Deep and Large Graph Convolutional Networks" (KDD 2019).

.. math::
    \mathbf{X}^{\prime} = \left( \mathbf{\hat{A}} + \lambda \cdot
    \textrm{diag}(\mathbf{\hat{A}}) \right) \mathbf{X} \mathbf{W}_1 +
    \mathbf{X} \mathbf{W}_2,
    \qquad \mathbf{\hat{A}} = {(\mathbf{D} + \mathbf{I})}^{-1}(\mathbf{A} + \mathbf{I})
"""
from typing import Optional

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import Adj, Size, SparseTensor
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["ClusterGCNConv"]


class ClusterGCNConv(MessagePassing):
    r"""The Cluster-GCN operator (Chiang et al., KDD 2019).

    .. math::
        \mathbf{X}^{\prime} = \left( \mathbf{\hat{A}} + \lambda \cdot
        \textrm{diag}(\mathbf{\hat{A}}) \right) \mathbf{X} \mathbf{W}_1 +
        \mathbf{X} \mathbf{W}_2

    with :math:`\mathbf{\hat{A}} = {(\mathbf{D} + \mathbf{I})}^{-1}(\mathbf{A} +
    \mathbf{I})`: every target averages its incoming neighbours and itself, and its
    own term is enhanced by :math:`\lambda`. Without self-loops,
    :math:`\mathbf{\hat{A}} = \mathbf{D}^{-1}\mathbf{A}`.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        diag_lambda (float, optional): Diagonal enhancement :math:`\lambda`.
            (default: ``0.``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True

    def __init__(self, in_channels: int, out_channels: int, diag_lambda: float = 0.0,
                 add_self_loops: bool = True, bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.diag_lambda = diag_lambda
        self.add_self_loops = add_self_loops
        self.weight = Parameter(torch.empty(in_channels, out_channels))
        self.root_weight = Parameter(torch.empty(in_channels, out_channels))
        if bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.weight)
        glorot(self.root_weight)
        zeros(self.bias)

    def forward(self, x: Tensor, edge_index: Adj, size: Size = None) -> Tensor:
        num_nodes = x.size(self.node_dim)
        edge_weight: Optional[Tensor] = None
        if isinstance(edge_index, Tensor):
            if self.add_self_loops:
                ones = torch.ones(edge_index.size(1), dtype=x.dtype, device=x.device)
                edge_index, _ = ops.add_remaining_loops(edge_index, ones, 1.0, num_nodes)
            row, col = edge_index[0], edge_index[1]
            deg = ops.scatter_sum(torch.ones_like(col, dtype=x.dtype), col, 0, num_nodes)
            deg_inv = 1.0 / deg.clamp(min=1.0)
            edge_weight = self._enhance(deg_inv[col], row == col, deg_inv[col])
        else:
            if self.add_self_loops:
                edge_index = ops.set_diag(edge_index)
            rowptr = edge_index.storage.rowptr()
            row, col = edge_index.storage.row(), edge_index.storage.col()
            deg = (rowptr[1:] - rowptr[:-1]).to(x.dtype)
            deg_inv = 1.0 / deg.clamp(min=1.0)
            weight = self._enhance(deg_inv[row], row == col, deg_inv[row])
            edge_index = edge_index.set_value(weight, layout="coo")

        if self.out_channels < self.in_channels:  # transform first: fewer channels to move
            out = self.propagate(edge_index, x=x @ self.weight, edge_weight=edge_weight,
                                 size=size)
        else:
            out = self.propagate(edge_index, x=x, edge_weight=edge_weight, size=size)
            out = out @ self.weight
        out = out + x @ self.root_weight
        if self.bias is not None:
            out = out + self.bias
        return out

    def _enhance(self, weight: Tensor, is_loop: Tensor, loop_weight: Tensor) -> Tensor:
        if self.diag_lambda == 0.0:
            return weight
        return weight + is_loop.to(weight.dtype) * (self.diag_lambda * loop_weight)

    def message(self, x_j: Tensor, edge_weight: Optional[Tensor]) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"diag_lambda={self.diag_lambda})")
