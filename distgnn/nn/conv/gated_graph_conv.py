r"""GatedGraphConv, from Li et al., "Gated Graph Sequence Neural Networks" (ICLR 2016).

.. math::
    \mathbf{h}_i^{(0)} = \mathbf{x}_i \, \Vert \, \mathbf{0}, \quad
    \mathbf{m}_i^{(l+1)} = \sum_{j \in \mathcal{N}(i)} e_{j,i} \cdot \mathbf{\Theta}
    \cdot \mathbf{h}_j^{(l)}, \quad
    \mathbf{h}_i^{(l+1)} = \textrm{GRU} (\mathbf{m}_i^{(l+1)}, \mathbf{h}_i^{(l)})
"""
import torch
from torch import Tensor
from torch.nn import GRUCell, Parameter

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from ..inits import uniform
from .message_passing import MessagePassing

__all__ = ["GatedGraphConv"]


class GatedGraphConv(MessagePassing):
    r"""The gated graph convolution operator (Li et al., ICLR 2016).

    .. math::
        \mathbf{m}_i^{(l+1)} = \sum_{j \in \mathcal{N}(i)} e_{j,i} \cdot
        \mathbf{\Theta}^{(l)} \cdot \mathbf{h}_j^{(l)}, \qquad
        \mathbf{h}_i^{(l+1)} = \textrm{GRU} (\mathbf{m}_i^{(l+1)}, \mathbf{h}_i^{(l)})

    starting from :math:`\mathbf{h}_i^{(0)} = \mathbf{x}_i \Vert \mathbf{0}` (zero
    padded to ``out_channels``), up to :math:`\mathbf{h}_i^{(L)}`.

    Args:
        out_channels (int): Size of each output sample (at least the input size).
        num_layers (int): The sequence length :math:`L`.
        aggr (string, optional): Aggregation (``"add"``, ``"mean"``, ``"max"``).
            (default: ``"add"``)
        bias (bool, optional): Learn additive biases in the GRU. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True

    def __init__(self, out_channels: int, num_layers: int, aggr: str = "add",
                 bias: bool = True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"GatedGraphConv: num_layers must be a positive int, got "
                             f"{num_layers!r}")
        self.out_channels = out_channels
        self.num_layers = num_layers
        self.weight = Parameter(torch.empty(num_layers, out_channels, out_channels))
        self.rnn = GRUCell(out_channels, out_channels, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        uniform(self.out_channels, self.weight)
        self.rnn.reset_parameters()

    def forward(self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None) -> Tensor:
        if x.size(-1) > self.out_channels:
            raise ValueError(f"GatedGraphConv: the number of input channels must not exceed "
                             f"out_channels, expected at most {self.out_channels}, got "
                             f"{x.size(-1)}")
        if x.size(-1) < self.out_channels:
            zero = x.new_zeros(x.size(0), self.out_channels - x.size(-1))
            x = torch.cat([x, zero], dim=1)
        for i in range(self.num_layers):
            m = x @ self.weight[i]
            m = self.propagate(edge_index, x=m, edge_weight=edge_weight, size=None)
            x = self.rnn(m, x)
        return x

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.out_channels}, num_layers={self.num_layers})"
