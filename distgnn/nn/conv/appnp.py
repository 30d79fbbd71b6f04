r"""APPNP, from Klicpera et al., "Predict then Propagate: Graph Neural Networks meet
Personalized PageRank" (ICLR 2019).

.. math::
    \mathbf{X}^{(0)} = \mathbf{X}, \quad
    \mathbf{X}^{(k)} = (1 - \alpha) \mathbf{\hat{D}}^{-1/2} \mathbf{\hat{A}}
    \mathbf{\hat{D}}^{-1/2} \mathbf{X}^{(k-1)} + \alpha \mathbf{X}^{(0)}, \quad
    \mathbf{X}^{\prime} = \mathbf{X}^{(K)}
"""
from typing import Optional, Tuple

import torch.nn.functional as F
from torch import Tensor

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from .gcn_conv import gcn_norm
from .message_passing import MessagePassing

__all__ = ["APPNP"]


class APPNP(MessagePassing):
    r"""Approximate personalized propagation of neural predictions (Klicpera et al.).

    .. math::
        \mathbf{X}^{(k)} = (1 - \alpha) \mathbf{\hat{D}}^{-1/2} \mathbf{\hat{A}}
        \mathbf{\hat{D}}^{-1/2} \mathbf{X}^{(k-1)} + \alpha \mathbf{X}^{(0)}

    with :math:`\mathbf{\hat{A}} = \mathbf{A} + \mathbf{I}` (edge weights allowed) and
    :math:`\mathbf{X}^{\prime} = \mathbf{X}^{(K)}`.

    Args:
        K (int): Number of iterations :math:`K`.
        alpha (float): Teleport probability :math:`\alpha`.
        dropout (float, optional): Dropout probability of edges during training.
            (default: ``0``)
        cached (bool, optional): Cache the normalised adjacency after the first call
            (transductive learning only). (default: ``False``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        normalize (bool, optional): Add self-loops and normalise symmetrically.
            (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True
    _cached_edge_index: Optional[Tuple[Tensor, Tensor]]
    _cached_adj_t: Optional[SparseTensor]

    def __init__(self, K: int, alpha: float, dropout: float = 0.0, cached: bool = False,
                 add_self_loops: bool = True, normalize: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if not isinstance(K, int) or K < 0:
            raise ValueError(f"APPNP: K must be a non-negative int, got {K!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"APPNP: dropout must lie in [0, 1], got {dropout}")
        self.K = K
        self.alpha = alpha
        self.dropout = dropout
        self.cached = cached
        self.add_self_loops = add_self_loops
        self.normalize = normalize
        self._cached_edge_index = None
        self._cached_adj_t = None

    def reset_parameters(self):
        self._cached_edge_index = None
        self._cached_adj_t = None

    def forward(self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None) -> Tensor:
        if self.normalize:
            if isinstance(edge_index, Tensor):
                cache = self._cached_edge_index
                if cache is None:
                    edge_index, edge_weight = gcn_norm(
                        edge_index, edge_weight, x.size(self.node_dim), False,
                        self.add_self_loops, x.dtype)
                    if self.cached:
                        self._cached_edge_index = (edge_index, edge_weight)
                else:
                    edge_index, edge_weight = cache[0], cache[1]
            else:
                cache = self._cached_adj_t
                if cache is None:
                    edge_index = gcn_norm(edge_index, edge_weight, x.size(self.node_dim),
                                          False, self.add_self_loops, x.dtype)
                    if self.cached:
                        self._cached_adj_t = edge_index
                else:
                    edge_index = cache

        h = x
        drop = self.dropout > 0 and self.training
        for _ in range(self.K):
            if drop:
                if isinstance(edge_index, Tensor):
                    if edge_weight is None:
                        edge_weight = x.new_ones(edge_index.size(1))
                    weight = F.dropout(edge_weight, p=self.dropout, training=True)
                    x = self.propagate(edge_index, x=x, edge_weight=weight, size=None)
                else:
                    value = edge_index.storage.value()
                    if value is None:
                        value = x.new_ones(edge_index.nnz())
                    value = F.dropout(value, p=self.dropout, training=True)
                    adj = edge_index.set_value(value, layout="coo")
                    x = self.propagate(adj, x=x, edge_weight=None, size=None)
            else:
                x = self.propagate(edge_index, x=x, edge_weight=edge_weight, size=None)
            x = x * (1.0 - self.alpha) + self.alpha * h
        return x

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(K={self.K}, alpha={self.alpha})"
