r"""GCN2Conv (GCNII), from Chen et al., "Simple and Deep Graph Convolutional
Networks" (ICML 2020).

.. math::
    \mathbf{X}^{\prime} = \left( (1 - \alpha) \mathbf{\hat{P}}\mathbf{X} +
    \alpha \mathbf{X^{(0)}}\right) \left( (1 - \beta) \mathbf{I} + \beta
    \mathbf{\Theta} \right), \qquad \beta = \log(\theta / \ell + 1)
"""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from ..inits import glorot
from .gcn_conv import gcn_norm
from .message_passing import MessagePassing

__all__ = ["GCN2Conv"]


class GCN2Conv(MessagePassing):
    r"""Graph convolution with initial residual and identity mapping (GCNII).

    .. math::
        \mathbf{X}^{\prime} = \left( (1 - \alpha) \mathbf{\hat{P}}\mathbf{X} +
        \alpha \mathbf{X^{(0)}}\right) \left( (1 - \beta) \mathbf{I} + \beta
        \mathbf{\Theta} \right)

    with :math:`\mathbf{\hat{P}} = \mathbf{\hat{D}}^{-1/2} \mathbf{\hat{A}}
    \mathbf{\hat{D}}^{-1/2}`, :math:`\mathbf{\hat{A}} = \mathbf{A} + \mathbf{I}` and
    :math:`\beta = \log(\theta / \ell + 1)` (``1`` when ``theta`` or ``layer`` is
    ``None``).

    Args:
        channels (int): Size of each input and output sample.
        alpha (float): Strength :math:`\alpha` of the initial residual connection.
        theta (float, optional): Hyperparameter :math:`\theta` of the identity
            mapping strength. (default: ``None``)
        layer (int, optional): The layer :math:`\ell` this module runs in.
            (default: ``None``)
        shared_weights (bool, optional): If ``False``, use separate weights for the
            smoothed representation and the initial residual ("GCNII*").
            (default: ``True``)
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

    def __init__(self, channels: int, alpha: float, theta: Optional[float] = None,
                 layer: Optional[int] = None, shared_weights: bool = True,
                 cached: bool = False, add_self_loops: bool = True, normalize: bool = True,
                 **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.channels = channels
        self.alpha = alpha
        self.beta = 1.0
        if theta is not None or layer is not None:
            if theta is None or layer is None:
                raise ValueError(f"GCN2Conv: theta and layer must be given together, got "
                                 f"theta={theta!r}, layer={layer!r}")
            self.beta = math.log(theta / layer + 1)
        self.cached = cached
        self.normalize = normalize
        self.add_self_loops = add_self_loops
        self._cached_edge_index = None
        self._cached_adj_t = None
        self.weight1 = Parameter(torch.empty(channels, channels))
        self.weight2 = None if shared_weights else Parameter(torch.empty(channels, channels))
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.weight1)
        glorot(self.weight2)
        self._cached_edge_index = None
        self._cached_adj_t = None

    def forward(self, x: Tensor, x_0: Tensor, edge_index: Adj,
                edge_weight: OptTensor = None) -> Tensor:
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

        h = self.propagate(edge_index, x=x, edge_weight=edge_weight, size=None)
        h = h * (1.0 - self.alpha)
        h_0 = self.alpha * x_0[:h.size(0)]
        if self.weight2 is None:
            out = h + h_0
            return torch.addmm(out, out, self.weight1, beta=1.0 - self.beta, alpha=self.beta)
        out = torch.addmm(h, h, self.weight1, beta=1.0 - self.beta, alpha=self.beta)
        return out + torch.addmm(h_0, h_0, self.weight2, beta=1.0 - self.beta,
                                 alpha=self.beta)

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.channels}, alpha={self.alpha}, "
                f"beta={self.beta})")
