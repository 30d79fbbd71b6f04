r"""NNConv (alias ECConv), from Gilmer et al., "Neural Message Passing for Quantum
Chemistry" (ICML 2017) and Simonovsky & Komodakis, "Dynamic Edge-Conditioned
Filters in Convolutional Neural Networks on Graphs" (CVPR 2017).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{\Theta} \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)}
    \mathbf{x}_j \cdot h_{\mathbf{\Theta}}(\mathbf{e}_{i,j})

When :math:`h` ends with a linear layer, :math:`h(\mathbf{e}) = \sum_k g_k(\mathbf{e})
\mathbf{L}_k + \mathbf{B}`, the products :math:`\mathbf{x}_j \mathbf{L}_k` are
formed once per node and every message is the :math:`g(\mathbf{e})`-weighted sum of
them, so no per-edge weight matrix is ever built.
"""
from typing import Callable, Optional, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Parameter

from ...typing import Adj, OptPairTensor, OptTensor, Size, SparseTensor
from ..inits import reset, uniform, zeros
from ._linear_split import last_linear, segment_aggregate, sorted_edges, split_flags
from .message_passing import MessagePassing

__all__ = ["NNConv", "ECConv"]


def _messages_from_hidden(weight: Tensor, bias: Optional[Tensor], hidden: Tensor, x_src: Tensor,
                          c_in: int, c_out: int, edge_index: Adj, flow: str, num_dst: int,
                          aggr: str) -> Tensor:
    """The aggregated messages when ``nn``'s last layer is the linear ``(weight, bias)`` and
    ``hidden`` its input per edge: the node products ``x_j L_k`` weighted by ``hidden``."""
    k = weight.size(1)
    basis = (x_src @ weight.view(c_in, c_out * k)).view(-1, c_out, k)
    i, j, ptr, perm = sorted_edges(edge_index, flow, num_dst)
    if perm is not None:
        hidden = hidden.index_select(0, perm)
    msg = torch.bmm(basis.index_select(0, j), hidden.unsqueeze(-1)).squeeze(-1)
    if bias is not None:
        msg = msg + (x_src @ bias.view(c_in, c_out)).index_select(0, j)
    return segment_aggregate(msg, i, ptr, aggr)


class NNConv(MessagePassing):
    r"""The continuous kernel-based convolutional operator (Gilmer et al., ICML 2017),
    also known as the edge-conditioned convolution (Simonovsky & Komodakis, CVPR 2017).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{\Theta} \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)}
        \mathbf{x}_j \cdot h_{\mathbf{\Theta}}(\mathbf{e}_{i,j}),

    where :math:`h_{\mathbf{\Theta}}` is a neural network (e.g. an MLP) mapping every
    edge feature vector to an ``in_channels x out_channels`` matrix.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        nn (torch.nn.Module): Maps ``edge_attr`` of shape ``[-1, num_edge_features]``
            to shape ``[-1, in_channels * out_channels]``.
        aggr (string, optional): The aggregation scheme (``"add"``, ``"mean"``,
            ``"max"``). (default: ``"add"``)
        root_weight (bool, optional): If ``False``, do not add the transformed root
            node features. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor", "edge_attr": "OptTensor"}
    root: OptTensor

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 nn: Callable, aggr: str = "add", root_weight: bool = True,
                 bias: bool = True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.nn = nn
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.in_channels_l = in_channels[0]
        if root_weight:
            self.root = Parameter(torch.empty(in_channels[1], out_channels))
        else:
            self.register_parameter("root", None)
        if bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.nn)
        if self.root is not None:
            uniform(self.root.size(0), self.root)
        zeros(self.bias)

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj,
                edge_attr: OptTensor = None, size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        if not torch.jit.is_scripting():
            fast = self._forward_split(pair, edge_index, edge_attr, size)
        else:
            fast = self._split_scripted(pair, edge_index, edge_attr, size)
        if fast is None:
            out = self.propagate(edge_index, x=pair, edge_attr=edge_attr, size=size)
        else:
            out = fast
        x_r = pair[1]
        root = self.root
        if x_r is not None and root is not None:
            out = out + x_r @ root
        bias = self.bias
        if bias is not None:
            out = out + bias
        return out

    @torch.jit.unused
    def _forward_split(self, pair: OptPairTensor, edge_index: Adj, edge_attr: OptTensor,
                       size: Size) -> Optional[Tensor]:
        split = last_linear(self.nn)
        if split is None or self.__explain__:
            return None
        if edge_attr is None and isinstance(edge_index, SparseTensor):
            edge_attr = edge_index.storage.value()
        if edge_attr is None:
            return None
        head, lin = split
        hidden = head(edge_attr.unsqueeze(-1) if edge_attr.dim() == 1 else edge_attr)
        c_in, c_out = self.in_channels_l, self.out_channels
        if lin.out_features != c_in * c_out:
            raise ValueError(f"NNConv: nn must output in_channels * out_channels = "
                             f"{c_in * c_out} values per edge, got {lin.out_features}")
        return _messages_from_hidden(lin.weight, lin.bias, hidden, pair[0], c_in, c_out, edge_index,
                                     self.flow, self._num_dst(pair, edge_index, size), self.aggr)

    def _split_scripted(self, pair: OptPairTensor, edge_index: Adj, edge_attr: OptTensor,
                        size: Size) -> Optional[Tensor]:
        """The split of ``_forward_split`` in TorchScript (the branch its ``jittable()`` copy is marked for)."""
        if edge_attr is None and isinstance(edge_index, SparseTensor):
            edge_attr = edge_index.storage.value()
        if edge_attr is None:
            return None
        hidden = edge_attr.unsqueeze(-1) if edge_attr.dim() == 1 else edge_attr
        if hasattr(self, "_jit_nn_last_seq"):
            last = len(self.nn) - 1
            for idx, layer in enumerate(self.nn):
                if idx < last:
                    hidden = layer(hidden)
            weight, bias = self.nn[-1].weight, self.nn[-1].bias
        elif hasattr(self, "_jit_nn_last"):
            weight, bias = self.nn.weight, self.nn.bias
        else:
            return None
        return _messages_from_hidden(weight, bias, hidden, pair[0], self.in_channels_l, self.out_channels,
                                     edge_index, self.flow, self._num_dst(pair, edge_index, size), self.aggr)

    @torch.jit.unused
    def _jit_flags(self) -> dict:
        return split_flags({"nn": self.nn})

    def _num_dst(self, pair: OptPairTensor, edge_index: Adj, size: Size) -> int:
        if isinstance(edge_index, SparseTensor):
            return edge_index.sparse_size(0)
        if size is not None:
            return int(size[1])
        x_r = pair[1]
        return x_r.size(0) if x_r is not None else pair[0].size(0)

    def message(self, x_j: Tensor, edge_attr: OptTensor) -> Tensor:
        if edge_attr is None:
            raise ValueError("NNConv: edge_attr is required (pass it or store it as the "
                             "SparseTensor value)")
        if edge_attr.dim() == 1:
            edge_attr = edge_attr.unsqueeze(-1)
        weight = self.nn(edge_attr).view(-1, self.in_channels_l, self.out_channels)
        return torch.bmm(x_j.unsqueeze(1), weight).squeeze(1)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self.in_channels}, {self.out_channels}, '
                f'aggr="{self.aggr}", nn={self.nn})')


ECConv = NNConv
