r"""FAConv, from Bo et al., "Beyond Low-frequency Information in Graph Convolutional
Networks" (AAAI 2021).

.. math::
    \mathbf{x}^{\prime}_i = \epsilon \cdot \mathbf{x}^{(0)}_i +
    \sum_{j \in \mathcal{N}(i)} \frac{\alpha_{i,j}}{\sqrt{d_i d_j}} \mathbf{x}_{j},
    \qquad
    \alpha_{i,j} = \textrm{tanh}(\mathbf{a}^{\top}[\mathbf{x}_i, \mathbf{x}_j])
"""
from typing import Optional, Tuple

import torch.nn.functional as F
from torch import Tensor
from torch.nn import Linear

from ...typing import Adj, OptTensor, SparseTensor
from .gcn_conv import gcn_norm
from .message_passing import MessagePassing

__all__ = ["FAConv"]


class FAConv(MessagePassing):
    r"""The frequency adaptive graph convolution (Bo et al., AAAI 2021).

    .. math::
        \mathbf{x}^{\prime}_i = \epsilon \cdot \mathbf{x}^{(0)}_i +
        \sum_{j \in \mathcal{N}(i)} \frac{\alpha_{i,j}}{\sqrt{d_i d_j}} \mathbf{x}_{j},
        \qquad
        \alpha_{i,j} = \textrm{tanh}(\mathbf{a}^{\top}[\mathbf{x}_i, \mathbf{x}_j])

    with :math:`\mathbf{x}^{(0)}_i` the initial representation and :math:`d_i` the
    degree (with self-loops) of node :math:`i`; the attention may be negative, so a
    node can pass high-frequency signal.

    Args:
        channels (int): Size of each input and output sample.
        eps (float, optional): :math:`\epsilon`. (default: ``0.1``)
        dropout (float, optional): Dropout probability of the normalised
            coefficients. (default: ``0``)
        cached (bool, optional): Cache :math:`1/\sqrt{d_i d_j}` after the first call
            (transductive learning only). (default: ``False``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        normalize (bool, optional): Add self-loops (if ``add_self_loops``) and compute
            the symmetric normalisation on the fly. If ``False``, ``edge_weight`` (or
            the SparseTensor's values) must hold it. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.

    ``forward(x, x_0, edge_index, edge_weight=None, return_attention_weights=None)``;
    with ``return_attention_weights=True`` it returns ``(out, (edge_index, alpha))``
    (``(out, adj_t)`` for a ``SparseTensor``), ``alpha`` of shape ``[num_edges]``.
    """

    propagate_type = {"x": "Tensor", "alpha": "PairTensor", "edge_weight": "OptTensor"}
    _cached_edge_index: Optional[Tuple[Tensor, Tensor]]
    _cached_adj_t: Optional[SparseTensor]
    _alpha: OptTensor

    def __init__(self, channels: int, eps: float = 0.1, dropout: float = 0.0,
                 cached: bool = False, add_self_loops: bool = True, normalize: bool = True,
                 **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.channels = channels
        self.eps = eps
        self.dropout = dropout
        self.cached = cached
        self.add_self_loops = add_self_loops
        self.normalize = normalize
        self._cached_edge_index = None
        self._cached_adj_t = None
        self._alpha = None
        self.att_l = Linear(channels, 1, bias=False)
        self.att_r = Linear(channels, 1, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        self.att_l.reset_parameters()
        self.att_r.reset_parameters()
        self._cached_edge_index = None
        self._cached_adj_t = None

    def forward(self, x: Tensor, x_0: Tensor, edge_index: Adj, edge_weight: OptTensor = None,
                return_attention_weights: Optional[bool] = None):
        if self.normalize:
            if isinstance(edge_index, Tensor):
                if edge_weight is not None:
                    raise ValueError("FAConv: normalize=True computes the edge weights; "
                                     "pass edge_weight only with normalize=False")
                cache = self._cached_edge_index
                if cache is None:
                    edge_index, edge_weight = gcn_norm(edge_index, None, x.size(self.node_dim),
                                                       False, self.add_self_loops, x.dtype)
                    if self.cached:
                        self._cached_edge_index = (edge_index, edge_weight)
                else:
                    edge_index, edge_weight = cache[0], cache[1]
            else:
                if edge_index.has_value():
                    raise ValueError("FAConv: normalize=True computes the edge weights; "
                                     "pass a SparseTensor without values")
                cache = self._cached_adj_t
                if cache is None:
                    edge_index = gcn_norm(edge_index, None, x.size(self.node_dim), False,
                                          self.add_self_loops, x.dtype)
                    if self.cached:
                        self._cached_adj_t = edge_index
                else:
                    edge_index = cache
        else:
            if isinstance(edge_index, Tensor):
                if edge_weight is None:
                    raise ValueError("FAConv: normalize=False needs edge_weight")
            elif not edge_index.has_value():
                raise ValueError("FAConv: normalize=False needs a SparseTensor with values")

        alpha_l = self.att_l(x)
        alpha_r = self.att_r(x)
        out = self.propagate(edge_index, x=x, alpha=(alpha_l, alpha_r),
                             edge_weight=edge_weight, size=None)
        alpha = self._alpha
        self._alpha = None

        if self.eps != 0.0:
            out = out + self.eps * x_0

        if isinstance(return_attention_weights, bool):
            assert alpha is not None
            if isinstance(edge_index, Tensor):
                return out, (edge_index, alpha)
            else:
                return out, edge_index.set_value(alpha, layout="coo")
        else:
            return out

    def message(self, x_j: Tensor, alpha_j: Tensor, alpha_i: Tensor,
                edge_weight: OptTensor) -> Tensor:
        if edge_weight is None:
            raise ValueError("FAConv.message: edge_weight is required")
        alpha = (alpha_j + alpha_i).tanh().squeeze(-1)
        self._alpha = alpha
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        return x_j * (alpha * edge_weight).view(-1, 1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.channels}, eps={self.eps})"
