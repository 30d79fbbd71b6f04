r"""GraphConv, from Morris et al., "Weisfeiler and Leman Go Neural: Higher-order
Graph Neural Networks" (AAAI 2019).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{\Theta}_1 \mathbf{x}_i + \mathbf{\Theta}_2
    \sum_{j \in \mathcal{N}(i)} e_{j,i} \cdot \mathbf{x}_j
"""
from typing import Tuple, Union

from torch import Tensor
from torch.nn import Linear

from ... import ops
from ...typing import Adj, OptPairTensor, OptTensor, Size, SparseTensor
from .message_passing import MessagePassing

__all__ = ["GraphConv"]


class GraphConv(MessagePassing):
    r"""The higher-order GNN operator of Morris et al. (AAAI 2019).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{\Theta}_1 \mathbf{x}_i + \mathbf{\Theta}_2
        \sum_{j \in \mathcal{N}(i)} e_{j,i} \cdot \mathbf{x}_j

    with :math:`e_{j,i}` the weight of edge ``j -> i`` (default: ``1``); the sum is
    replaced by ``aggr``.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        aggr (string, optional): The aggregation scheme (``"add"``, ``"mean"``,
            ``"max"``). (default: ``"add"``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 aggr: str = "add", bias: bool = True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.lin_l = Linear(in_channels[0], out_channels, bias=bias)
        self.lin_r = Linear(in_channels[1], out_channels, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin_l.reset_parameters()
        self.lin_r.reset_parameters()

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj,
                edge_weight: OptTensor = None, size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        out = self.propagate(edge_index, x=pair, edge_weight=edge_weight, size=size)
        out = self.lin_l(out)
        x_r = pair[1]
        if x_r is not None:
            out = out + self.lin_r(x_r)
        return out

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: OptPairTensor) -> Tensor:
        return ops.spmm(adj_t, x[0], reduce=self.aggr)
