r"""GCNConv, from Kipf & Welling, "Semi-supervised Classification with Graph
Convolutional Networks" (ICLR 2017).

.. math::
    \mathbf{X}^{\prime} = \mathbf{\hat{D}}^{-1/2} \mathbf{\hat{A}}
    \mathbf{\hat{D}}^{-1/2} \mathbf{X} \mathbf{\Theta},

with :math:`\mathbf{\hat{A}} = \mathbf{A} + \mathbf{I}` (``2I`` when ``improved``)
and :math:`\hat{D}_{ii} = \sum_{j} \hat{A}_{ij}`; edge weights enter
:math:`\mathbf{\hat{A}}`.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import Adj, OptTensor, PairTensor, SparseTensor
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["GCNConv", "gcn_norm"]


@torch.jit._overload
def gcn_norm(edge_index, edge_weight=None, num_nodes=None, improved=False,
             add_self_loops=True, dtype=None):
    # type: (Tensor, OptTensor, Optional[int], bool, bool, Optional[int]) -> PairTensor  # noqa
    pass


@torch.jit._overload  # noqa: F811
def gcn_norm(edge_index, edge_weight=None, num_nodes=None, improved=False,
             add_self_loops=True, dtype=None):
    # type: (SparseTensor, OptTensor, Optional[int], bool, bool, Optional[int]) -> SparseTensor  # noqa
    pass


def gcn_norm(edge_index, edge_weight: OptTensor = None,  # noqa: F811
             num_nodes: Optional[int] = None, improved: bool = False,
             add_self_loops: bool = True, dtype: Optional[torch.dtype] = None):
    r"""Symmetric normalisation :math:`\hat{D}^{-1/2}\hat{A}\hat{D}^{-1/2}`.

    Returns ``(edge_index, edge_weight)`` for a tensor input and the normalised
    ``SparseTensor`` for a sparse one (degrees are taken over targets). Self-loops
    already present keep their weight (edge index) or are replaced (SparseTensor).
    """
    fill_value = 2.0 if improved else 1.0
    if isinstance(edge_index, SparseTensor):
        adj_t = edge_index
        if not adj_t.has_value():
            adj_t = adj_t.fill_value(1.0, dtype=dtype)
        if add_self_loops:
            adj_t = ops.set_diag(adj_t, fill_value)
        value = adj_t.storage.value()
        if value is None:
            raise ValueError("gcn_norm: the adjacency lost its values")
        deg_inv_sqrt = _inv_sqrt(ops.segment_csr(value, adj_t.storage.rowptr(), "sum"))
        row, col = adj_t.storage.row(), adj_t.storage.col()
        value = deg_inv_sqrt[row] * value * deg_inv_sqrt[col]
        return adj_t.set_value(value, layout="coo")

    if num_nodes is None:
        num_nodes = int(edge_index.max()) + 1 if edge_index.numel() > 0 else 0
    weight = edge_weight
    if weight is None:
        weight = torch.ones(edge_index.size(1), dtype=dtype, device=edge_index.device)
    if add_self_loops:
        edge_index, weight = ops.add_remaining_loops(edge_index, weight, fill_value, num_nodes)
    row, col = edge_index[0], edge_index[1]
    deg_inv_sqrt = _inv_sqrt(ops.scatter(weight, col, 0, num_nodes, "sum"))
    return edge_index, deg_inv_sqrt[row] * weight * deg_inv_sqrt[col]


def _inv_sqrt(deg: Tensor) -> Tensor:
    out = deg.pow(-0.5)
    return out.masked_fill(out == float("inf"), 0.0)


class GCNConv(MessagePassing):
    r"""The graph convolutional operator (Kipf & Welling, ICLR 2017).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{\Theta}^{\top} \sum_{j \in \mathcal{N}(i) \cup
        \{ i \}} \frac{e_{j,i}}{\sqrt{\hat{d}_j \hat{d}_i}} \mathbf{x}_j,
        \qquad \hat{d}_i = 1 + \sum_{j \in \mathcal{N}(i)} e_{j,i}

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        improved (bool, optional): If ``True``, :math:`\mathbf{\hat{A}} = \mathbf{A} +
            2\mathbf{I}`. (default: ``False``)
        cached (bool, optional): Cache the normalised adjacency after the first call
            (transductive learning only). (default: ``False``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        normalize (bool, optional): Add self-loops and normalise symmetrically.
            (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True
    _cached_edge_index: Optional[Tuple[Tensor, Tensor]]
    _cached_adj_t: Optional[SparseTensor]

    def __init__(self, in_channels: int, out_channels: int, improved: bool = False,
                 cached: bool = False, add_self_loops: bool = True, normalize: bool = True,
                 bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.improved = improved
        self.cached = cached
        self.add_self_loops = add_self_loops
        self.normalize = normalize
        self._cached_edge_index = None
        self._cached_adj_t = None
        self.weight = Parameter(torch.empty(in_channels, out_channels))
        self.bias = Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.weight)
        zeros(self.bias)
        self._cached_edge_index = None
        self._cached_adj_t = None

    def forward(self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None) -> Tensor:
        if self.normalize:
            if isinstance(edge_index, Tensor):
                cache = self._cached_edge_index
                if cache is None:
                    edge_index, edge_weight = gcn_norm(
                        edge_index, edge_weight, x.size(self.node_dim), self.improved,
                        self.add_self_loops, x.dtype)
                    if self.cached:
                        self._cached_edge_index = (edge_index, edge_weight)
                else:
                    edge_index, edge_weight = cache[0], cache[1]
            else:
                cache = self._cached_adj_t
                if cache is None:
                    edge_index = gcn_norm(edge_index, edge_weight, x.size(self.node_dim),
                                          self.improved, self.add_self_loops, x.dtype)
                    if self.cached:
                        self._cached_adj_t = edge_index
                else:
                    edge_index = cache

        x = x @ self.weight
        out = self.propagate(edge_index, x=x, edge_weight=edge_weight, size=None)
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)
