r"""DNAConv, the dynamic neighbourhood aggregation operator from Fey, "Just Jump:
Towards Dynamic Neighborhood Aggregation in Graph Neural Networks" (ICLR-W 2019).

.. math::
    \mathbf{x}_v^{(t)} = h_{\mathbf{\Theta}}^{(t)} \left( \mathbf{x}_{v \leftarrow v}^{(t)},
    \left\{ \mathbf{x}_{v \leftarrow w}^{(t)} : w \in \mathcal{N}(v) \right\} \right)

with multi-head dot-product attention over the layer history of each neighbour

.. math::
    \mathbf{x}_{v \leftarrow w}^{(t)} = \textrm{Attention} \left(
    \mathbf{x}^{(t-1)}_v \mathbf{\Theta}_Q^{(t)},
    [\mathbf{x}_w^{(1)}, \ldots, \mathbf{x}_w^{(t-1)}] \mathbf{\Theta}_K^{(t)},
    [\mathbf{x}_w^{(1)}, \ldots, \mathbf{x}_w^{(t-1)}] \mathbf{\Theta}_V^{(t)} \right)

and :math:`h` a parameter-free GCN aggregation. The attention softmax carries one
extra zero logit, so a node may attend to none of a neighbour's layers. Query, key and value projections are
applied per node before the per-edge attention.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter

from ...typing import Adj, OptTensor, SparseTensor
from ..inits import kaiming_uniform, uniform
from .gcn_conv import gcn_norm
from .message_passing import MessagePassing

__all__ = ["DNAConv"]


def _restricted_softmax(src: Tensor) -> Tensor:
    r"""Softmax over the last dimension with an extra zero logit (attending to none):
    :math:`e^{s_l} / (e^{0} + \sum_{l'} e^{s_{l'}})`, computed stably."""
    shift = src.max(dim=-1, keepdim=True)[0].clamp(min=0.0)
    out = (src - shift).exp()
    return out / (out.sum(dim=-1, keepdim=True) + (-shift).exp())


class _GroupedLinear(torch.nn.Module):
    """A linear map whose input and output channels split into ``groups`` blocks."""

    def __init__(self, in_channels: int, out_channels: int, groups: int = 1,
                 bias: bool = True):
        super().__init__()
        if in_channels % groups != 0 or out_channels % groups != 0:
            raise ValueError(f"DNAConv: channels must be divisible by groups={groups}, got "
                             f"in_channels={in_channels}, out_channels={out_channels}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.weight = Parameter(torch.empty(groups, in_channels // groups,
                                            out_channels // groups))
        self.bias = Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        kaiming_uniform(self.weight, fan=self.weight.size(1), a=math.sqrt(5))
        uniform(self.weight.size(1), self.bias)

    def forward(self, src: Tensor) -> Tensor:
        if self.groups > 1:
            shape = list(src.size())[:-1]
            g = self.groups
            src = src.reshape(-1, g, self.in_channels // g).transpose(0, 1)
            out = torch.matmul(src, self.weight)  # [g, M, out / g]
            out = out.transpose(0, 1).reshape(shape + [self.out_channels])
        else:
            out = torch.matmul(src, self.weight.squeeze(0))
        bias = self.bias
        if bias is not None:
            out = out + bias
        return out


class _MultiHead(torch.nn.Module):
    """Query/key/value projections of multi-head dot-product attention."""

    def __init__(self, in_channels: int, out_channels: int, heads: int = 1, groups: int = 1,
                 dropout: float = 0.0, bias: bool = True):
        super().__init__()
        if in_channels % heads != 0 or out_channels % heads != 0:
            raise ValueError(f"DNAConv: channels must be divisible by heads={heads}, got "
                             f"{in_channels}")
        if max(groups, heads) % min(groups, heads) != 0:
            raise ValueError(f"DNAConv: heads and groups must divide one another, got "
                             f"heads={heads}, groups={groups}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = heads
        self.groups = groups
        self.dropout = dropout
        self.lin_q = _GroupedLinear(in_channels, out_channels, groups, bias)
        self.lin_k = _GroupedLinear(in_channels, out_channels, groups, bias)
        self.lin_v = _GroupedLinear(in_channels, out_channels, groups, bias)

    def reset_parameters(self):
        self.lin_q.reset_parameters()
        self.lin_k.reset_parameters()
        self.lin_v.reset_parameters()


class DNAConv(MessagePassing):
    r"""The dynamic neighbourhood aggregation operator (Fey, 2019).

    .. math::
        \mathbf{x}_v^{(t)} = h_{\mathbf{\Theta}}^{(t)} \left(
        \mathbf{x}_{v \leftarrow v}^{(t)}, \left\{ \mathbf{x}_{v \leftarrow w}^{(t)} :
        w \in \mathcal{N}(v) \right\} \right)

    Node features have shape ``[num_nodes, num_layers, channels]``: the history of
    representations; the query is the last one, keys and values the whole history
    of each neighbour. The output has shape ``[num_nodes, channels]``.

    Args:
        channels (int): Size of each input/output sample.
        heads (int, optional): Number of attention heads. (default: ``1``)
        groups (int, optional): Number of groups of all linear projections.
            (default: ``1``)
        dropout (float, optional): Dropout probability of attention coefficients.
            (default: ``0.``)
        cached (bool, optional): Cache the normalised adjacency after the first call
            (transductive learning only). (default: ``False``)
        normalize (bool, optional): Add self-loops and normalise symmetrically.
            (default: ``True``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        bias (bool, optional): Learn additive biases. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"q": "Tensor", "k": "Tensor", "v": "Tensor", "edge_weight": "OptTensor"}
    _cached_edge_index: Optional[Tuple[Tensor, Tensor]]
    _cached_adj_t: Optional[SparseTensor]

    def __init__(self, channels: int, heads: int = 1, groups: int = 1, dropout: float = 0.0,
                 cached: bool = False, normalize: bool = True, add_self_loops: bool = True,
                 bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        kwargs.setdefault("node_dim", 0)
        super().__init__(**kwargs)
        self.bias = bias
        self.cached = cached
        self.normalize = normalize
        self.add_self_loops = add_self_loops
        self._cached_edge_index = None
        self._cached_adj_t = None
        self.multi_head = _MultiHead(channels, channels, heads, groups, dropout, bias)
        self.reset_parameters()

    def reset_parameters(self):
        self.multi_head.reset_parameters()
        self._cached_edge_index = None
        self._cached_adj_t = None

    def forward(self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None) -> Tensor:
        if x.dim() != 3:
            raise ValueError(f"DNAConv: x must have shape [num_nodes, num_layers, channels], "
                             f"got {x.dim()} dimensions")
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
        mh = self.multi_head
        q = mh.lin_q(x[:, -1:])
        k = mh.lin_k(x)
        v = mh.lin_v(x)
        return self.propagate(edge_index, q=q, k=k, v=v, edge_weight=edge_weight, size=None)

    def message(self, q_i: Tensor, k_j: Tensor, v_j: Tensor, edge_weight: OptTensor) -> Tensor:
        mh = self.multi_head
        H = mh.heads
        d = mh.out_channels // H
        E, L = k_j.size(0), k_j.size(1)
        q = q_i.view(E, 1, H, d).transpose(1, 2)  # [E, H, 1, d]
        k = k_j.view(E, L, H, d).transpose(1, 2)  # [E, H, L, d]
        v = v_j.view(E, L, H, d).transpose(1, 2)
        score = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d)
        score = _restricted_softmax(score)
        score = F.dropout(score, p=mh.dropout, training=self.training)
        out = torch.matmul(score, v).transpose(1, 2).reshape(E, mh.out_channels)
        return out if edge_weight is None else edge_weight.view(-1, 1) * out

    def __repr__(self) -> str:
        mh = self.multi_head
        return f"{type(self).__name__}({mh.in_channels}, heads={mh.heads}, groups={mh.groups})"
