r"""SGConv, from Wu et al., "Simplifying Graph Convolutional Networks" (ICML 2019).

.. math::
    \mathbf{X}^{\prime} = {\left(\mathbf{\hat{D}}^{-1/2} \mathbf{\hat{A}}
    \mathbf{\hat{D}}^{-1/2} \right)}^K \mathbf{X} \mathbf{\Theta}
"""
from typing import Optional

from torch import Tensor
from torch.nn import Linear

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from .gcn_conv import gcn_norm
from .message_passing import MessagePassing

__all__ = ["SGConv"]


class SGConv(MessagePassing):
    r"""The simple graph convolutional operator (Wu et al., ICML 2019).

    .. math::
        \mathbf{X}^{\prime} = {\left(\mathbf{\hat{D}}^{-1/2} \mathbf{\hat{A}}
        \mathbf{\hat{D}}^{-1/2} \right)}^K \mathbf{X} \mathbf{\Theta}

    with :math:`\mathbf{\hat{A}} = \mathbf{A} + \mathbf{I}` (edge weights allowed).

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        K (int, optional): Number of hops :math:`K`. (default: ``1``)
        cached (bool, optional): Cache :math:`(\mathbf{\hat{D}}^{-1/2} \mathbf{\hat{A}}
            \mathbf{\hat{D}}^{-1/2})^K \mathbf{X}` after the first call (transductive
            learning only). (default: ``False``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True
    _cached_x: Optional[Tensor]

    def __init__(self, in_channels: int, out_channels: int, K: int = 1, cached: bool = False,
                 add_self_loops: bool = True, bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if not isinstance(K, int) or K < 0:
            raise ValueError(f"SGConv: K must be a non-negative int, got {K!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.K = K
        self.cached = cached
        self.add_self_loops = add_self_loops
        self._cached_x = None
        self.lin = Linear(in_channels, out_channels, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin.reset_parameters()
        self._cached_x = None

    def forward(self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None) -> Tensor:
        cache = self._cached_x
        if cache is None:
            if isinstance(edge_index, Tensor):
                edge_index, edge_weight = gcn_norm(edge_index, edge_weight,
                                                   x.size(self.node_dim), False,
                                                   self.add_self_loops, x.dtype)
            else:
                edge_index = gcn_norm(edge_index, edge_weight, x.size(self.node_dim),
                                      False, self.add_self_loops, x.dtype)
            for _ in range(self.K):
                x = self.propagate(edge_index, x=x, edge_weight=edge_weight, size=None)
            if self.cached:
                self._cached_x = x
        else:
            x = cache
        return self.lin(x)

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, K={self.K})"
