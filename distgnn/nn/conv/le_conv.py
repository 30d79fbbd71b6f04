r"""LEConv, the local extremum operator from Ranjan et al., "ASAP: Adaptive Structure
Aware Pooling for Learning Hierarchical Graph Representations" (AAAI 2020).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{x}_i \cdot \mathbf{\Theta}_1 +
    \sum_{j \in \mathcal{N}(i)} e_{j,i} \cdot (\mathbf{\Theta}_2 \mathbf{x}_i -
    \mathbf{\Theta}_3 \mathbf{x}_j)

For sum aggregation the neighbourhood term is :math:`d_i \mathbf{\Theta}_2
\mathbf{x}_i - \sum_j e_{j,i} \mathbf{\Theta}_3 \mathbf{x}_j` with the weighted
in-degree :math:`d_i`, i.e. one sparse product.
"""
from torch import Tensor
from torch.nn import Linear

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from .message_passing import MessagePassing

__all__ = ["LEConv"]


class LEConv(MessagePassing):
    r"""The local extremum graph neural network operator (Ranjan et al., AAAI 2020).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{x}_i \cdot \mathbf{\Theta}_1 +
        \sum_{j \in \mathcal{N}(i)} e_{j,i} \cdot (\mathbf{\Theta}_2 \mathbf{x}_i -
        \mathbf{\Theta}_3 \mathbf{x}_j)

    :math:`\mathbf{\Theta}_1` is ``lin3``, :math:`\mathbf{\Theta}_2` ``lin1`` and
    :math:`\mathbf{\Theta}_3` ``lin2``; :math:`e_{j,i}` defaults to ``1``.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        bias (bool, optional): Learn additive biases. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"a": "Tensor", "b": "Tensor", "edge_weight": "OptTensor"}

    def __init__(self, in_channels: int, out_channels: int, bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.lin1 = Linear(in_channels, out_channels, bias=bias)
        self.lin2 = Linear(in_channels, out_channels, bias=False)
        self.lin3 = Linear(in_channels, out_channels, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin1.reset_parameters()
        self.lin2.reset_parameters()
        self.lin3.reset_parameters()

    def forward(self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None) -> Tensor:
        a = self.lin1(x)
        b = self.lin2(x)
        out = self.propagate(edge_index, a=a, b=b, edge_weight=edge_weight, size=None)
        return out + self.lin3(x)

    def message(self, a_i: Tensor, b_j: Tensor, edge_weight: OptTensor) -> Tensor:
        out = a_i - b_j
        return out if edge_weight is None else out * edge_weight.view(-1, 1)

    def message_and_aggregate(self, adj_t: SparseTensor, a: Tensor, b: Tensor) -> Tensor:
        rowptr = adj_t.storage.rowptr()
        value = adj_t.storage.value()
        if self.aggr == "add" or self.aggr == "sum":
            if value is None:
                deg = (rowptr[1:] - rowptr[:-1]).to(a.dtype)
            else:
                deg = ops.segment_csr(value.to(a.dtype), rowptr, "sum")
            return deg.view(-1, 1) * a - ops.spmm(adj_t, b, reduce="sum")
        row, col = adj_t.storage.row(), adj_t.storage.col()
        msg = a.index_select(0, row) - b.index_select(0, col)
        if value is not None:
            msg = msg * value.view(-1, 1)
        return ops.segment_csr(msg, rowptr, self.aggr)
