r"""GATConv, from Veličković et al., "Graph Attention Networks" (ICLR 2018).

.. math::
    \mathbf{x}^{\prime}_i = \alpha_{i,i}\mathbf{\Theta}\mathbf{x}_{i} +
    \sum_{j \in \mathcal{N}(i)} \alpha_{i,j}\mathbf{\Theta}\mathbf{x}_{j},
    \qquad
    \alpha_{i,j} = \mathrm{softmax}_j\left(\mathrm{LeakyReLU}\left(\mathbf{a}^{\top}
    [\mathbf{\Theta}\mathbf{x}_i \, \Vert \, \mathbf{\Theta}\mathbf{x}_j]\right)\right)

The score splits as :math:`\mathbf{a}_r^{\top}\mathbf{\Theta}\mathbf{x}_i +
\mathbf{a}_l^{\top}\mathbf{\Theta}\mathbf{x}_j`, so both halves are computed once per
node and only summed per edge.
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Linear, Parameter

from ... import ops
from ...typing import Adj, OptPairTensor, OptTensor, Size
from ...utils import add_self_loops, remove_self_loops, softmax
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["GATConv"]


class GATConv(MessagePassing):
    r"""The graph attentional operator (Veličković et al., ICLR 2018).

    .. math::
        \mathbf{x}^{\prime}_i = \alpha_{i,i}\mathbf{\Theta}\mathbf{x}_{i} +
        \sum_{j \in \mathcal{N}(i)} \alpha_{i,j}\mathbf{\Theta}\mathbf{x}_{j},

    with attention coefficients

    .. math::
        \alpha_{i,j} = \frac{\exp\left(\mathrm{LeakyReLU}\left(\mathbf{a}^{\top}
        [\mathbf{\Theta}\mathbf{x}_i \, \Vert \, \mathbf{\Theta}\mathbf{x}_j]
        \right)\right)}{\sum_{k \in \mathcal{N}(i) \cup \{ i \}}
        \exp\left(\mathrm{LeakyReLU}\left(\mathbf{a}^{\top}
        [\mathbf{\Theta}\mathbf{x}_i \, \Vert \, \mathbf{\Theta}\mathbf{x}_k]
        \right)\right)}.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample (per head).
        heads (int, optional): Number of attention heads. (default: ``1``)
        concat (bool, optional): If ``False``, the heads are averaged instead of
            concatenated. (default: ``True``)
        negative_slope (float, optional): LeakyReLU negative slope. (default: ``0.2``)
        dropout (float, optional): Dropout probability of the normalised attention
            coefficients. (default: ``0``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.

    ``forward(x, edge_index, size=None, return_attention_weights=None)`` returns
    ``out``, or with ``return_attention_weights=True`` the pair
    ``(out, (edge_index, alpha))`` (``(out, adj_t)`` holding ``alpha`` as values
    for a ``SparseTensor``); ``alpha`` has shape ``[num_edges, heads]`` and covers the
    self-loops the layer added.
    """

    propagate_type = {"x": "OptPairTensor", "alpha": "OptPairTensor"}
    _alpha: OptTensor

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 heads: int = 1, concat: bool = True, negative_slope: float = 0.2,
                 dropout: float = 0.0, add_self_loops: bool = True, bias: bool = True,
                 **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(node_dim=0, **kwargs)
        _check_positive(type(self).__name__, "heads", heads)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = heads
        self.concat = concat
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.add_self_loops = add_self_loops

        if isinstance(in_channels, int):
            self.lin_l = Linear(in_channels, heads * out_channels, bias=False)
            self.lin_r = self.lin_l
        else:
            self.lin_l = Linear(in_channels[0], heads * out_channels, bias=False)
            self.lin_r = Linear(in_channels[1], heads * out_channels, bias=False)
        self.att_l = Parameter(torch.empty(1, heads, out_channels))
        self.att_r = Parameter(torch.empty(1, heads, out_channels))
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
        glorot(self.att_l)
        glorot(self.att_r)
        zeros(self.bias)

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj, size: Size = None,
                return_attention_weights: Optional[bool] = None):
        H, C = self.heads, self.out_channels
        x_r: OptTensor = None
        alpha_r: OptTensor = None
        if isinstance(x, Tensor):
            x_l = self.lin_l(x).view(-1, H, C)
            x_r = x_l
            alpha_l = (x_l * self.att_l).sum(dim=-1)
            alpha_r = (x_l * self.att_r).sum(dim=-1)
        else:
            x_l = self.lin_l(x[0]).view(-1, H, C)
            alpha_l = (x_l * self.att_l).sum(dim=-1)
            x_dst = x[1]
            if x_dst is not None:
                x_r = self.lin_r(x_dst).view(-1, H, C)
                alpha_r = (x_r * self.att_r).sum(dim=-1)

        if self.add_self_loops:
            if isinstance(edge_index, Tensor):
                num_nodes = x_l.size(0)
                if x_r is not None:
                    num_nodes = min(num_nodes, x_r.size(0))
                if size is not None:
                    num_nodes = min(size[0], size[1])
                edge_index, _ = remove_self_loops(edge_index)
                edge_index, _ = add_self_loops(edge_index, num_nodes=num_nodes)
            else:
                edge_index = ops.set_diag(edge_index)

        out = self.propagate(edge_index, x=(x_l, x_r), alpha=(alpha_l, alpha_r), size=size)
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

    def message(self, x_j: Tensor, alpha_j: Tensor, alpha_i: OptTensor, index: Tensor,
                ptr: OptTensor, size_i: Optional[int]) -> Tensor:
        alpha = alpha_j if alpha_i is None else alpha_j + alpha_i
        alpha = F.leaky_relu(alpha, self.negative_slope)
        alpha = softmax(alpha, index, ptr, size_i)
        self._alpha = alpha
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        return x_j * alpha.unsqueeze(-1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, heads={self.heads})"


def _check_positive(layer: str, name: str, value: int) -> None:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
