r"""SuperGATConv, from Kim & Oh, "How to Find Your Friendly Neighborhood: Graph
Attention Design with Self-Supervision" (ICLR 2021).

.. math::
    \mathbf{x}^{\prime}_i = \alpha_{i,i}\mathbf{\Theta}\mathbf{x}_{i} +
    \sum_{j \in \mathcal{N}(i)} \alpha_{i,j}\mathbf{\Theta}\mathbf{x}_{j},
    \qquad
    \alpha_{i,j} = \mathrm{softmax}_j\left(\mathrm{LeakyReLU}(e_{i,j})\right)

with :math:`e^{\mathrm{MX}}_{i,j} = \mathbf{a}^{\top} [\mathbf{\Theta}\mathbf{x}_i
\Vert \mathbf{\Theta}\mathbf{x}_j] \cdot \sigma((\mathbf{\Theta}\mathbf{x}_i)^{\top}
\mathbf{\Theta}\mathbf{x}_j)` or :math:`e^{\mathrm{SD}}_{i,j} =
(\mathbf{\Theta}\mathbf{x}_i)^{\top} \mathbf{\Theta}\mathbf{x}_j / \sqrt{d}`. In
training, the attention logits of positive and sampled negative edges feed a link
prediction loss, :meth:`SuperGATConv.get_attention_loss`.
"""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter

from ...typing import OptTensor
from ...utils import (add_self_loops, batched_negative_sampling, dropout_adj, is_undirected,
                      negative_sampling, remove_self_loops, softmax, to_undirected)
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["SuperGATConv"]

ATTENTION_TYPES = ("MX", "SD")


class SuperGATConv(MessagePassing):
    r"""The self-supervised graph attentional operator (Kim & Oh, ICLR 2021).

    .. math::
        \mathbf{x}^{\prime}_i = \alpha_{i,i}\mathbf{\Theta}\mathbf{x}_{i} +
        \sum_{j \in \mathcal{N}(i)} \alpha_{i,j}\mathbf{\Theta}\mathbf{x}_{j},
        \qquad
        \alpha_{i,j} = \frac{\exp(\mathrm{LeakyReLU}(e_{i,j}))}
        {\sum_{k \in \mathcal{N}(i) \cup \{ i \}} \exp(\mathrm{LeakyReLU}(e_{i,k}))}

    .. math::
        e_{i,j}^{\mathrm{MX}} = \mathbf{a}^{\top} [\mathbf{\Theta}\mathbf{x}_i \,
        \Vert \, \mathbf{\Theta}\mathbf{x}_j] \cdot \sigma \left(
        (\mathbf{\Theta}\mathbf{x}_i)^{\top} \mathbf{\Theta}\mathbf{x}_j \right),
        \qquad
        e_{i,j}^{\mathrm{SD}} = \frac{(\mathbf{\Theta}\mathbf{x}_i)^{\top}
        \mathbf{\Theta}\mathbf{x}_j}{\sqrt{d}}

    The self-supervised task predicts edges from :math:`\phi^{\mathrm{MX}}_{i,j} =
    \sigma((\mathbf{\Theta}\mathbf{x}_i)^{\top} \mathbf{\Theta}\mathbf{x}_j)` or
    :math:`\phi^{\mathrm{SD}}_{i,j} = \sigma((\mathbf{\Theta}\mathbf{x}_i)^{\top}
    \mathbf{\Theta}\mathbf{x}_j / \sqrt{d})`; every training ``forward`` stores the
    logits of sampled positive and negative edges (``att_x``) with their labels
    (``att_y``) for :meth:`get_attention_loss`.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample (per head).
        heads (int, optional): Number of attention heads. (default: ``1``)
        concat (bool, optional): If ``False``, the heads are averaged instead of
            concatenated. (default: ``True``)
        negative_slope (float, optional): LeakyReLU negative slope. (default: ``0.2``)
        dropout (float, optional): Dropout probability of the normalised attention
            coefficients. (default: ``0``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        attention_type (string, optional): ``"MX"`` or ``"SD"``. (default: ``"MX"``)
        neg_sample_ratio (float, optional): Negative to positive edge ratio.
            (default: ``0.5``)
        edge_sample_ratio (float, optional): Fraction of edges used as positive
            samples. (default: ``1.0``)
        is_undirected (bool, optional): Whether the input graph is undirected; if not,
            it is checked (and symmetrised) before negative sampling.
            (default: ``False``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor"}
    att_x: OptTensor
    att_y: OptTensor

    def __init__(self, in_channels: int, out_channels: int, heads: int = 1,
                 concat: bool = True, negative_slope: float = 0.2, dropout: float = 0.0,
                 add_self_loops: bool = True, bias: bool = True, attention_type: str = "MX",
                 neg_sample_ratio: float = 0.5, edge_sample_ratio: float = 1.0,
                 is_undirected: bool = False, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(node_dim=0, **kwargs)
        name = type(self).__name__
        if not isinstance(heads, int) or heads < 1:
            raise ValueError(f"{name}: heads must be a positive integer, got {heads!r}")
        if attention_type not in ATTENTION_TYPES:
            raise ValueError(f"{name}: attention_type must be one of {ATTENTION_TYPES}, "
                             f"got {attention_type!r}")
        if not neg_sample_ratio > 0.0:
            raise ValueError(f"{name}: neg_sample_ratio must be > 0, got {neg_sample_ratio}")
        if not 0.0 < edge_sample_ratio <= 1.0:
            raise ValueError(f"{name}: edge_sample_ratio must be in (0, 1], "
                             f"got {edge_sample_ratio}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = heads
        self.concat = concat
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.add_self_loops = add_self_loops
        self.attention_type = attention_type
        self.neg_sample_ratio = neg_sample_ratio
        self.edge_sample_ratio = edge_sample_ratio
        self.is_undirected = is_undirected

        self.weight = Parameter(torch.empty(in_channels, heads * out_channels))
        if attention_type == "MX":
            self.att_l = Parameter(torch.empty(1, heads, out_channels))
            self.att_r = Parameter(torch.empty(1, heads, out_channels))
        else:
            self.register_parameter("att_l", None)
            self.register_parameter("att_r", None)
        self.att_x = None
        self.att_y = None
        if bias and concat:
            self.bias = Parameter(torch.empty(heads * out_channels))
        elif bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.weight)
        glorot(self.att_l)
        glorot(self.att_r)
        zeros(self.bias)

    def forward(self, x: Tensor, edge_index: Tensor, neg_edge_index: OptTensor = None,
                batch: OptTensor = None) -> Tensor:
        if not isinstance(edge_index, Tensor):
            raise TypeError(f"{type(self).__name__}: edge_index must be a LongTensor "
                            f"[2, E], got {type(edge_index).__name__}")
        N, H, C = x.size(0), self.heads, self.out_channels
        if self.add_self_loops:
            edge_index, _ = remove_self_loops(edge_index)
            edge_index, _ = add_self_loops(edge_index, num_nodes=N)

        h = torch.matmul(x, self.weight).view(-1, H, C)
        out = self.propagate(edge_index, x=h, size=None)

        if self.training:
            pos_edge_index = self.positive_sampling(edge_index)
            pos_att = self.get_attention(pos_edge_index[1], h[pos_edge_index[1]],
                                         h[pos_edge_index[0]], N, return_logits=True)
            if neg_edge_index is None:
                neg_edge_index = self.negative_sampling(edge_index, N, batch)
            neg_att = self.get_attention(neg_edge_index[1], h[neg_edge_index[1]],
                                         h[neg_edge_index[0]], N, return_logits=True)
            self.att_x = torch.cat([pos_att, neg_att], dim=0)
            att_y = self.att_x.new_zeros(self.att_x.size(0))
            att_y[:pos_edge_index.size(1)] = 1.0
            self.att_y = att_y

        if self.concat:
            out = out.reshape(-1, H * C)
        else:
            out = out.mean(dim=1)
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, edge_index_i: Tensor, x_i: Tensor, x_j: Tensor,
                size_i: Optional[int]) -> Tensor:
        alpha = self.get_attention(edge_index_i, x_i, x_j, size_i)
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        return x_j * alpha.view(-1, self.heads, 1)

    def negative_sampling(self, edge_index: Tensor, num_nodes: int,
                          batch: OptTensor = None) -> Tensor:
        """Sample ``neg_sample_ratio * edge_sample_ratio * E`` non-edges."""
        num_neg = int(self.neg_sample_ratio * self.edge_sample_ratio * edge_index.size(1))
        if not self.is_undirected and not is_undirected(edge_index, num_nodes=num_nodes):
            edge_index = to_undirected(edge_index, num_nodes=num_nodes)
        if batch is None:
            return negative_sampling(edge_index, num_nodes, num_neg_samples=num_neg)
        return batched_negative_sampling(edge_index, batch, num_neg_samples=num_neg)

    def positive_sampling(self, edge_index: Tensor) -> Tensor:
        """Keep each edge with probability ``edge_sample_ratio``."""
        pos_edge_index, _ = dropout_adj(edge_index, p=1.0 - self.edge_sample_ratio,
                                        training=self.training)
        return pos_edge_index

    def get_attention(self, edge_index_i: Tensor, x_i: Tensor, x_j: Tensor,
                      num_nodes: Optional[int], return_logits: bool = False) -> Tensor:
        """Attention of edges ``j -> i`` (``[E, heads]``), or its logits."""
        if self.attention_type == "MX":
            logits = (x_i * x_j).sum(dim=-1)
            if return_logits:
                return logits
            att_l, att_r = self.att_l, self.att_r
            assert att_l is not None and att_r is not None
            alpha = (x_j * att_l).sum(dim=-1) + (x_i * att_r).sum(dim=-1)
            alpha = alpha * logits.sigmoid()
        else:
            alpha = (x_i * x_j).sum(dim=-1) / math.sqrt(self.out_channels)
            if return_logits:
                return alpha
        alpha = F.leaky_relu(alpha, self.negative_slope)
        return softmax(alpha, edge_index_i, num_nodes=num_nodes)

    def get_attention_loss(self) -> Tensor:
        r"""Binary cross entropy of the stored edge logits (0 outside training)."""
        if not self.training:
            return torch.tensor([0], device=self.weight.device)
        if self.att_x is None or self.att_y is None:
            raise RuntimeError(f"{type(self).__name__}.get_attention_loss: call forward() "
                               f"in training mode first")
        return F.binary_cross_entropy_with_logits(self.att_x.mean(dim=-1), self.att_y)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"heads={self.heads}, type={self.attention_type})")
