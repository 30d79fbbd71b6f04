r"""TransformerConv, from Shi et al., "Masked Label Prediction: Unified Message
Passing Model for Semi-Supervised Classification" (IJCAI 2021).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{W}_1 \mathbf{x}_i +
    \sum_{j \in \mathcal{N}(i)} \alpha_{i,j} \mathbf{W}_2 \mathbf{x}_{j},
    \qquad
    \alpha_{i,j} = \textrm{softmax}_j \left(
    \frac{(\mathbf{W}_3\mathbf{x}_i)^{\top} (\mathbf{W}_4\mathbf{x}_j)}{\sqrt{d}} \right)

Queries, keys and values are projected once per node and then lifted to the edges.
"""
import math
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Linear

from ...typing import Adj, OptTensor, PairTensor
from ...utils import softmax
from .message_passing import MessagePassing

__all__ = ["TransformerConv"]


class TransformerConv(MessagePassing):
    r"""The graph transformer operator (Shi et al., IJCAI 2021).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{W}_1 \mathbf{x}_i +
        \sum_{j \in \mathcal{N}(i)} \alpha_{i,j} \left(\mathbf{W}_2 \mathbf{x}_{j} +
        \mathbf{W}_6 \mathbf{e}_{ij}\right),
        \qquad
        \alpha_{i,j} = \textrm{softmax}_j \left(
        \frac{(\mathbf{W}_3\mathbf{x}_i)^{\top} (\mathbf{W}_4\mathbf{x}_j +
        \mathbf{W}_6 \mathbf{e}_{ij})}{\sqrt{d}} \right)

    per head (the :math:`\mathbf{W}_6` terms only with ``edge_dim``). With ``beta``,
    :math:`\mathbf{x}^{\prime}_i = \beta_i \mathbf{W}_1 \mathbf{x}_i + (1 - \beta_i)
    \mathbf{m}_i` where :math:`\mathbf{m}_i` is the aggregated message and
    :math:`\beta_i = \textrm{sigmoid}(\mathbf{w}_5^{\top} [\mathbf{m}_i,
    \mathbf{W}_1 \mathbf{x}_i, \mathbf{m}_i - \mathbf{W}_1 \mathbf{x}_i])`.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample (per head).
        heads (int, optional): Number of attention heads. (default: ``1``)
        concat (bool, optional): If ``False``, the heads are averaged instead of
            concatenated. (default: ``True``)
        beta (bool, optional): Gate the skip connection with :math:`\beta_i`.
            (default: ``False``)
        dropout (float, optional): Dropout probability of the normalised attention
            coefficients. (default: ``0``)
        edge_dim (int, optional): Edge feature dimensionality. (default: ``None``)
        bias (bool, optional): Learn an additive bias in the skip connection.
            (default: ``True``)
        root_weight (bool, optional): If ``False``, drop the skip connection
            :math:`\mathbf{W}_1 \mathbf{x}_i` (and ``beta``). (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"query": "Tensor", "key": "Tensor", "value": "Tensor",
                      "edge_attr": "OptTensor"}

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 heads: int = 1, concat: bool = True, beta: bool = False,
                 dropout: float = 0.0, edge_dim: Optional[int] = None, bias: bool = True,
                 root_weight: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(node_dim=0, **kwargs)
        if not isinstance(heads, int) or heads < 1:
            raise ValueError(f"{type(self).__name__}: heads must be a positive integer, "
                             f"got {heads!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = heads
        self.beta = beta and root_weight
        self.root_weight = root_weight
        self.concat = concat
        self.dropout = dropout
        self.edge_dim = edge_dim

        pair = (in_channels, in_channels) if isinstance(in_channels, int) else in_channels
        HC = heads * out_channels
        self.lin_key = Linear(pair[0], HC)
        self.lin_query = Linear(pair[1], HC)
        self.lin_value = Linear(pair[0], HC)
        self.lin_edge = Linear(edge_dim, HC, bias=False) if edge_dim is not None else None
        out_dim = HC if concat else out_channels
        self.lin_skip = Linear(pair[1], out_dim, bias=bias) if root_weight else None
        self.lin_beta = Linear(3 * out_dim, 1, bias=False) if self.beta else None
        self.reset_parameters()

    def reset_parameters(self):
        for lin in (self.lin_key, self.lin_query, self.lin_value, self.lin_edge,
                    self.lin_skip, self.lin_beta):
            if lin is not None:
                lin.reset_parameters()

    def forward(self, x: Union[Tensor, PairTensor], edge_index: Adj,
                edge_attr: OptTensor = None) -> Tensor:
        H, C = self.heads, self.out_channels
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        query = self.lin_query(pair[1]).view(-1, H, C)
        key = self.lin_key(pair[0]).view(-1, H, C)
        value = self.lin_value(pair[0]).view(-1, H, C)

        out = self.propagate(edge_index, query=query, key=key, value=value,
                             edge_attr=edge_attr, size=None)

        if self.concat:
            out = out.reshape(-1, H * C)
        else:
            out = out.mean(dim=1)

        if self.lin_skip is not None:
            x_r = self.lin_skip(pair[1])
            if self.lin_beta is not None:
                gate = self.lin_beta(torch.cat([out, x_r, out - x_r], dim=-1)).sigmoid()
                out = gate * x_r + (1 - gate) * out
            else:
                out = out + x_r
        return out

    def message(self, query_i: Tensor, key_j: Tensor, value_j: Tensor, edge_attr: OptTensor,
                index: Tensor, ptr: OptTensor, size_i: Optional[int]) -> Tensor:
        lin_edge = self.lin_edge
        edge: OptTensor = None
        if lin_edge is not None:
            if edge_attr is None:
                raise ValueError("TransformerConv: edge_dim is set, so edge_attr is required")
            edge = lin_edge(edge_attr).view(-1, self.heads, self.out_channels)
            key_j = key_j + edge
        alpha = (query_i * key_j).sum(dim=-1) / math.sqrt(self.out_channels)
        alpha = softmax(alpha, index, ptr, size_i)
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        out = value_j if edge is None else value_j + edge
        return out * alpha.unsqueeze(-1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, heads={self.heads})"
