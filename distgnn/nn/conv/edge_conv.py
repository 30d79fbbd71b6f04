r"""EdgeConv and DynamicEdgeConv, from Wang et al., "Dynamic Graph CNN for Learning
on Point Clouds" (ACM TOG 2019).

.. math::
    \mathbf{x}^{\prime}_i = \square_{j \in \mathcal{N}(i)}
    h_{\mathbf{\Theta}}(\mathbf{x}_i \, \Vert \, \mathbf{x}_j - \mathbf{x}_i)

DynamicEdgeConv rebuilds :math:`\mathcal{N}(i)` at every call as the ``k`` nearest
neighbours of :math:`\mathbf{x}_i` in feature space (the point itself included).

When :math:`h` starts with a linear layer :math:`[\mathbf{W}_1 \Vert \mathbf{W}_2]`,
its per-edge product is split into node products,
:math:`\mathbf{W}_1 \mathbf{x}_i + \mathbf{W}_2 (\mathbf{x}_j - \mathbf{x}_i) =
(\mathbf{W}_1 - \mathbf{W}_2) \mathbf{x}_i + \mathbf{W}_2 \mathbf{x}_j`.
"""
from typing import Callable, Optional, Tuple, Union

import torch
from torch import Tensor

from ... import ops
from ...typing import Adj, OptTensor, PairTensor
from ..inits import reset
from ._linear_split import edge_mlp_first_layer, first_linear, linear_parts, segment_aggregate, split_flags
from ._shape import shape_str
from .message_passing import MessagePassing

__all__ = ["EdgeConv", "DynamicEdgeConv"]


def _split_edge_mlp(nn, pair: Tuple[Tensor, Tensor], edge_index: Adj, flow: str,
                    aggr: str) -> Optional[Tensor]:
    """EdgeConv with the first linear layer of ``nn`` applied per node; ``None`` when
    ``nn`` does not start with a linear layer."""
    split = first_linear(nn)
    if split is None:
        return None
    lin, rest = split
    channels = pair[0].size(-1)
    linear_parts(lin, (channels, channels))  # checks the width
    h, i, ptr = edge_mlp_first_layer(lin.weight, lin.bias, pair, edge_index, flow)
    return segment_aggregate(rest(h), i, ptr, aggr)


class _EdgeMLP(MessagePassing):
    """What EdgeConv and DynamicEdgeConv share: the split of ``nn``'s first linear layer, eager
    and scripted alike."""

    def _split(self, pair: PairTensor, edge_index: Adj) -> Optional[Tensor]:
        if not torch.jit.is_scripting():
            return self._forward_split(pair, edge_index)
        return self._split_scripted(pair, edge_index)

    @torch.jit.unused
    def _forward_split(self, pair: PairTensor, edge_index: Adj) -> Optional[Tensor]:
        if self.__explain__:  # per-edge masks need the per-edge messages
            return None
        return _split_edge_mlp(self.nn, pair, edge_index, self.flow, self.aggr)

    def _split_scripted(self, pair: PairTensor, edge_index: Adj) -> Optional[Tensor]:
        if hasattr(self, "_jit_nn_first_seq"):
            h, i, ptr = edge_mlp_first_layer(self.nn[0].weight, self.nn[0].bias, pair, edge_index, self.flow)
            for idx, layer in enumerate(self.nn):
                if idx > 0:
                    h = layer(h)
        elif hasattr(self, "_jit_nn_first"):
            h, i, ptr = edge_mlp_first_layer(self.nn.weight, self.nn.bias, pair, edge_index, self.flow)
        else:
            return None
        return segment_aggregate(h, i, ptr, self.aggr)

    @torch.jit.unused
    def _jit_flags(self) -> dict:
        return split_flags({"nn": self.nn})

    def message(self, x_i: Tensor, x_j: Tensor) -> Tensor:
        return self.nn(torch.cat([x_i, x_j - x_i], dim=-1))


class EdgeConv(_EdgeMLP):
    r"""The edge convolutional operator (Wang et al., ACM TOG 2019).

    .. math::
        \mathbf{x}^{\prime}_i = \sum_{j \in \mathcal{N}(i)}
        h_{\mathbf{\Theta}}(\mathbf{x}_i \, \Vert \, \mathbf{x}_j - \mathbf{x}_i),

    with the sum replaced by ``aggr``.

    Args:
        nn (torch.nn.Module): Maps pairwise concatenated features of shape
            ``[-1, 2 * in_channels]`` to shape ``[-1, out_channels]``.
        aggr (string, optional): The aggregation scheme (``"add"``, ``"mean"``,
            ``"max"``). (default: ``"max"``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "PairTensor"}

    def __init__(self, nn: Callable, aggr: str = "max", **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        self.nn = nn
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.nn)

    def forward(self, x: Union[Tensor, PairTensor], edge_index: Adj) -> Tensor:
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        out = self._split(pair, edge_index)
        if out is not None:
            return out
        return self.propagate(edge_index, x=pair, size=None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(nn={self.nn})"


class DynamicEdgeConv(_EdgeMLP):
    r"""The dynamic edge convolutional operator (Wang et al., ACM TOG 2019): an
    :class:`EdgeConv` over the ``k``-nearest-neighbour graph of the input features,
    rebuilt at every call (each point counts among its own ``k`` neighbours).

    Args:
        nn (torch.nn.Module): Maps pairwise concatenated features of shape
            ``[-1, 2 * in_channels]`` to shape ``[-1, out_channels]``.
        k (int): Number of nearest neighbors.
        aggr (string): The aggregation operator (``"add"``, ``"mean"``, ``"max"``).
            (default: ``"max"``)
        num_workers (int): Number of workers for the kNN computation. (default: ``1``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "PairTensor"}

    def __init__(self, nn: Callable, k: int, aggr: str = "max", num_workers: int = 1,
                 **kwargs):
        super().__init__(aggr=aggr, flow="target_to_source", **kwargs)
        if int(k) < 1:
            raise ValueError(f"DynamicEdgeConv: k must be a positive integer, got {k}")
        self.nn = nn
        self.k = int(k)
        self.num_workers = num_workers
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.nn)

    def forward(self, x: Union[Tensor, PairTensor],
                batch: Union[OptTensor, Optional[Tuple[Tensor, Tensor]]] = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        if pair[0].dim() != 2:
            raise ValueError("DynamicEdgeConv: x must have shape [num_nodes, channels], "
                             "got " + shape_str(pair[0]))
        if isinstance(batch, tuple):
            b: Tuple[OptTensor, OptTensor] = (batch[0], batch[1])
        else:
            b = (batch, batch)
        # row 0: centre (target, in x[1]); row 1: neighbour (source, in x[0])
        edge_index = ops.knn(pair[0], pair[1], self.k, b[0], b[1], False,
                             self.num_workers)
        out = self._split(pair, edge_index)
        if out is not None:
            return out
        return self.propagate(edge_index, x=pair, size=None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(nn={self.nn}, k={self.k})"
