r"""HypergraphConv, from Bai et al., "Hypergraph Convolution and Hypergraph Attention"
(Pattern Recognition 2021).

.. math::
    \mathbf{X}^{\prime} = \mathbf{D}^{-1} \mathbf{H} \mathbf{W} \mathbf{B}^{-1}
    \mathbf{H}^{\top} \mathbf{X} \mathbf{\Theta}

with the incidence matrix :math:`\mathbf{H} \in \{0, 1\}^{N \times M}`, the diagonal
hyperedge weights :math:`\mathbf{W}`, node degrees :math:`D_{ii} = \sum_e W_e H_{ie}`
and hyperedge degrees :math:`B_{ee} = \sum_i H_{ie}`. It runs as two passes: nodes to
hyperedges (:math:`\mathbf{B}^{-1} \mathbf{H}^{\top}`), then hyperedges to nodes.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import OptTensor
from ...utils import softmax
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["HypergraphConv"]


def _inverse(x: Tensor) -> Tensor:
    out = 1.0 / x
    return out.masked_fill(out == float("inf"), 0.0)


class HypergraphConv(MessagePassing):
    r"""The hypergraph convolutional operator (Bai et al.).

    .. math::
        \mathbf{X}^{\prime} = \mathbf{D}^{-1} \mathbf{H} \mathbf{W} \mathbf{B}^{-1}
        \mathbf{H}^{\top} \mathbf{X} \mathbf{\Theta}

    ``hyperedge_index`` lists incidences ``[node, hyperedge]``: for
    :math:`\mathcal{E} = \{\{0, 1, 2\}, \{1, 2, 3\}\}` it is
    ``[[0, 1, 2, 1, 2, 3], [0, 0, 0, 1, 1, 1]]``. With ``use_attention=True`` each
    incidence is weighted by a softmax (over the hyperedges of a node) of
    :math:`\mathrm{LeakyReLU}(\mathbf{a}^{\top} [\mathbf{x}_i \mathbf{\Theta} \Vert
    \mathbf{e}_j \mathbf{\Theta}])`, which needs ``hyperedge_attr``.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        use_attention (bool, optional): Use hypergraph attention. (default: ``False``)
        heads (int, optional): Number of attention heads. (default: ``1``)
        concat (bool, optional): Concatenate the heads (else average them).
            (default: ``True``)
        negative_slope (float, optional): LeakyReLU negative slope. (default: ``0.2``)
        dropout (float, optional): Dropout probability of the attention coefficients.
            (default: ``0``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "alpha": "OptTensor"}

    def __init__(self, in_channels: int, out_channels: int, use_attention: bool = False,
                 heads: int = 1, concat: bool = True, negative_slope: float = 0.2,
                 dropout: float = 0.0, bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        kwargs.setdefault("node_dim", 0)
        super().__init__(**kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.use_attention = use_attention
        if use_attention:
            self.heads = heads
            self.concat = concat
            self.negative_slope = negative_slope
            self.dropout = dropout
            self.weight = Parameter(torch.empty(in_channels, heads * out_channels))
            self.att = Parameter(torch.empty(1, heads, 2 * out_channels))
        else:
            self.heads = 1
            self.concat = True
            self.negative_slope = negative_slope
            self.dropout = dropout
            self.weight = Parameter(torch.empty(in_channels, out_channels))
            self.att = None
        size = self.heads * out_channels if self.concat else out_channels
        self.bias = Parameter(torch.empty(size)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.weight)
        glorot(self.att)
        zeros(self.bias)

    def forward(self, x: Tensor, hyperedge_index: Tensor, hyperedge_weight: OptTensor = None,
                hyperedge_attr: OptTensor = None) -> Tensor:
        num_nodes = x.size(0)
        num_edges = 0
        if hyperedge_index.numel() > 0:
            num_edges = int(hyperedge_index[1].max()) + 1
        if hyperedge_weight is None:
            hyperedge_weight = x.new_ones(num_edges)
        elif hyperedge_weight.numel() < num_edges:
            raise ValueError(f"HypergraphConv: hyperedge_weight must hold one weight per "
                             f"hyperedge, expected {num_edges}, got {hyperedge_weight.numel()}")
        H, C = self.heads, self.out_channels
        x = (x @ self.weight).view(-1, H, C)
        node, edge = hyperedge_index[0], hyperedge_index[1]

        alpha: OptTensor = None
        att = self.att
        if self.use_attention and att is not None:
            if hyperedge_attr is None:
                raise ValueError("HypergraphConv: hyperedge_attr is required when "
                                 "use_attention=True")
            e = (hyperedge_attr @ self.weight).view(-1, H, C)
            a = (x * att[:, :, :C]).sum(-1).index_select(0, node) \
                + (e * att[:, :, C:]).sum(-1).index_select(0, edge)
            a = F.leaky_relu(a, self.negative_slope)
            a = softmax(a, node, num_nodes=num_nodes)
            alpha = F.dropout(a, p=self.dropout, training=self.training)

        D = _inverse(ops.scatter(hyperedge_weight[edge].to(x.dtype), node, 0, num_nodes,
                                 "sum"))
        B = _inverse(ops.scatter(torch.ones_like(edge, dtype=x.dtype), edge, 0, num_edges,
                                 "sum"))

        out = self.propagate(hyperedge_index, x=x, alpha=alpha, size=(num_nodes, num_edges))
        out = out * (B * hyperedge_weight[:num_edges].to(x.dtype)).view(-1, 1, 1)
        out = self.propagate(hyperedge_index.flip(0), x=out, alpha=alpha,
                             size=(num_edges, num_nodes))
        out = out * D.view(-1, 1, 1)

        if self.concat:
            out = out.reshape(-1, H * C)
        else:
            out = out.mean(dim=1)
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, x_j: Tensor, alpha: OptTensor) -> Tensor:
        return x_j if alpha is None else alpha.unsqueeze(-1) * x_j

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
