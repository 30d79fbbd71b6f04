r"""GATv2Conv, from Brody et al., "How Attentive are Graph Attention Networks?"
(ICLR 2022).

.. math::
    \mathbf{x}^{\prime}_i = \alpha_{i,i}\mathbf{\Theta}\mathbf{x}_{i} +
    \sum_{j \in \mathcal{N}(i)} \alpha_{i,j}\mathbf{\Theta}\mathbf{x}_{j},
    \qquad
    \alpha_{i,j} = \mathrm{softmax}_j\left(\mathbf{a}^{\top}\mathrm{LeakyReLU}\left(
    \mathbf{\Theta} [\mathbf{x}_i \, \Vert \, \mathbf{x}_j]\right)\right)

Applying the non-linearity before :math:`\mathbf{a}` makes the attention ranking
depend on the query node ("dynamic" attention), unlike :class:`GATConv`.
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Linear, Parameter

from ... import ops
from ...typing import Adj, OptTensor, PairTensor, Size
from ...utils import add_self_loops, remove_self_loops, softmax
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["GATv2Conv"]


class GATv2Conv(MessagePassing):
    r"""The GATv2 operator (Brody et al., ICLR 2022).

    .. math::
        \mathbf{x}^{\prime}_i = \alpha_{i,i}\mathbf{\Theta}\mathbf{x}_{i} +
        \sum_{j \in \mathcal{N}(i)} \alpha_{i,j}\mathbf{\Theta}\mathbf{x}_{j},

    .. math::
        \alpha_{i,j} = \frac{\exp\left(\mathbf{a}^{\top}\mathrm{LeakyReLU}\left(
        \mathbf{\Theta} [\mathbf{x}_i \, \Vert \, \mathbf{x}_j]\right)\right)}
        {\sum_{k \in \mathcal{N}(i) \cup \{ i \}} \exp\left(\mathbf{a}^{\top}
        \mathrm{LeakyReLU}\left(\mathbf{\Theta} [\mathbf{x}_i \, \Vert \,
        \mathbf{x}_k]\right)\right)}.

    :math:`\mathbf{\Theta} [\mathbf{x}_i \Vert \mathbf{x}_j]` is computed as
    ``lin_r(x_i) + lin_l(x_j)``; messages carry ``lin_l(x_j)``.

    Args:
        in_channels (int or tuple): Size of each input sample (a pair ``(source,
            target)`` for bipartite graphs).
        out_channels (int): Size of each output sample (per head).
        heads (int, optional): Number of attention heads. (default: ``1``)
        concat (bool, optional): If ``False``, the heads are averaged instead of
            concatenated. (default: ``True``)
        negative_slope (float, optional): LeakyReLU negative slope. (default: ``0.2``)
        dropout (float, optional): Dropout probability of the normalised attention
            coefficients. (default: ``0``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        share_weights (bool, optional): Use the same matrix for the source and the
            target node of every edge. (default: ``False``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.

    ``return_attention_weights=True`` makes ``forward`` return
    ``(out, (edge_index, alpha))`` (``(out, adj_t)`` for a ``SparseTensor``).
    """

    propagate_type = {"x": "PairTensor"}
    _alpha: OptTensor

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 heads: int = 1, concat: bool = True, negative_slope: float = 0.2,
                 dropout: float = 0.0, add_self_loops: bool = True, bias: bool = True,
                 share_weights: bool = False, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(node_dim=0, **kwargs)
        if not isinstance(heads, int) or heads < 1:
            raise ValueError(f"{type(self).__name__}: heads must be a positive integer, "
                             f"got {heads!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = heads
        self.concat = concat
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.add_self_loops = add_self_loops
        self.share_weights = share_weights

        pair = (in_channels, in_channels) if isinstance(in_channels, int) else in_channels
        if share_weights and pair[0] != pair[1]:
            raise ValueError(f"{type(self).__name__}: share_weights needs equal source and "
                             f"target sizes, got {in_channels}")
        self.lin_l = Linear(pair[0], heads * out_channels, bias=bias)
        if share_weights:
            self.lin_r = self.lin_l
        else:
            self.lin_r = Linear(pair[1], heads * out_channels, bias=bias)
        self.att = Parameter(torch.empty(1, heads, out_channels))
        if bias and concat:
            self.bias = Parameter(torch.empty(heads * out_channels))
        elif bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self._alpha = None
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.lin_l.weight)
        glorot(self.lin_r.weight)
        zeros(self.lin_l.bias)
        zeros(self.lin_r.bias)
        glorot(self.att)
        zeros(self.bias)

    def forward(self, x: Union[Tensor, PairTensor], edge_index: Adj, size: Size = None,
                return_attention_weights: Optional[bool] = None):
        H, C = self.heads, self.out_channels
        if isinstance(x, Tensor):
            x_l = self.lin_l(x).view(-1, H, C)
            if self.share_weights:
                x_r = x_l
            else:
                x_r = self.lin_r(x).view(-1, H, C)
        else:
            x_l = self.lin_l(x[0]).view(-1, H, C)
            x_r = self.lin_r(x[1]).view(-1, H, C)

        if self.add_self_loops:
            if isinstance(edge_index, Tensor):
                num_nodes = min(x_l.size(0), x_r.size(0))
                if size is not None:
                    num_nodes = min(size[0], size[1])
                edge_index, _ = remove_self_loops(edge_index)
                edge_index, _ = add_self_loops(edge_index, num_nodes=num_nodes)
            else:
                edge_index = ops.set_diag(edge_index)

        out = self.propagate(edge_index, x=(x_l, x_r), size=size)
        alpha = self._alpha
        self._alpha = None

        if self.concat:
            out = out.reshape(-1, H * C)
        else:
            out = out.mean(dim=1)
        if self.bias is not None:
            out = out + self.bias

        if isinstance(return_attention_weights, bool):
            assert alpha is not None
            if isinstance(edge_index, Tensor):
                return out, (edge_index, alpha)
            else:
                return out, edge_index.set_value(alpha, layout="coo")
        else:
            return out

    def message(self, x_j: Tensor, x_i: Tensor, index: Tensor, ptr: OptTensor,
                size_i: Optional[int]) -> Tensor:
        h = F.leaky_relu(x_i + x_j, self.negative_slope)
        alpha = (h * self.att).sum(dim=-1)
        alpha = softmax(alpha, index, ptr, size_i)
        self._alpha = alpha
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        return x_j * alpha.unsqueeze(-1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, heads={self.heads})"
