r"""RGCNConv, from Schlichtkrull et al., "Modeling Relational Data with Graph
Convolutional Networks" (ESWC 2018).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{\Theta}_{\textrm{root}} \cdot \mathbf{x}_i +
    \sum_{r \in \mathcal{R}} \sum_{j \in \mathcal{N}_r(i)}
    \frac{1}{|\mathcal{N}_r(i)|} \mathbf{\Theta}_r \cdot \mathbf{x}_j

:class:`RGCNConv` walks the relations one at a time (edges are sorted by type once);
:class:`~distgnn.nn.conv.FastRGCNConv` handles every relation in one pass.
"""
from typing import List, Optional, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["RGCNConv"]


def _split_by_type(edge_index: Tensor, edge_type: Tensor,
                   num_relations: int) -> Tuple[Tensor, List[int]]:
    """Edges sorted by relation and the number of edges of each relation."""
    perm = torch.argsort(edge_type, stable=True)
    counts: List[int] = torch.bincount(edge_type, minlength=num_relations).tolist()
    return edge_index.index_select(1, perm), counts


def _relation_adj(adj_t: SparseTensor, mask: Tensor) -> SparseTensor:
    """The entries of ``adj_t`` where ``mask`` holds, without values."""
    return SparseTensor(row=adj_t.storage.row()[mask], rowptr=None,
                        col=adj_t.storage.col()[mask], value=None,
                        sparse_sizes=(adj_t.sparse_size(0), adj_t.sparse_size(1)),
                        is_sorted=True)


class RGCNConv(MessagePassing):
    r"""The relational graph convolutional operator (Schlichtkrull et al., 2018).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{\Theta}_{\textrm{root}} \cdot \mathbf{x}_i +
        \sum_{r \in \mathcal{R}} \sum_{j \in \mathcal{N}_r(i)}
        \frac{1}{|\mathcal{N}_r(i)|} \mathbf{\Theta}_r \cdot \mathbf{x}_j

    ``edge_type`` is a one-dimensional ``torch.long`` tensor of relation ids in
    :math:`\{0, \ldots, |\mathcal{R}| - 1\}`, one per edge (taken from the values
    of a ``SparseTensor`` adjacency). Without input features (``x=None``) or with a
    ``LongTensor`` of node ids, the rows of :math:`\mathbf{\Theta}_r` (and of
    :math:`\mathbf{\Theta}_{\textrm{root}}`) serve as trainable node embeddings.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)``; the number of nodes for featureless input.
        out_channels (int): Size of each output sample.
        num_relations (int): Number of relations.
        num_bases (int, optional): Use basis decomposition with this many bases.
            (default: ``None``)
        num_blocks (int, optional): Use block-diagonal decomposition with this many
            blocks. (default: ``None``)
        aggr (string, optional): Aggregation (``"add"``, ``"mean"``, ``"max"``).
            (default: ``"mean"``)
        root_weight (bool, optional): Add the transformed root features.
            (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor"}

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 num_relations: int, num_bases: Optional[int] = None,
                 num_blocks: Optional[int] = None, aggr: str = "mean",
                 root_weight: bool = True, bias: bool = True, **kwargs):
        super().__init__(aggr=aggr, node_dim=0, **kwargs)
        if num_bases is not None and num_blocks is not None:
            raise ValueError(f"{type(self).__name__}: use either num_bases or num_blocks, "
                             f"got num_bases={num_bases} and num_blocks={num_blocks}")
        self._name = type(self).__name__
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_relations = num_relations
        self.num_bases = num_bases
        self.num_blocks = num_blocks
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.in_channels_l = in_channels[0]
        if num_bases is not None:
            self.weight = Parameter(torch.empty(num_bases, in_channels[0], out_channels))
            self.comp = Parameter(torch.empty(num_relations, num_bases))
        elif num_blocks is not None:
            if in_channels[0] % num_blocks != 0 or out_channels % num_blocks != 0:
                raise ValueError(f"{type(self).__name__}: in_channels and out_channels "
                                 f"must be divisible by num_blocks={num_blocks}, got "
                                 f"{in_channels[0]} and {out_channels}")
            self.weight = Parameter(torch.empty(num_relations, num_blocks,
                                                in_channels[0] // num_blocks,
                                                out_channels // num_blocks))
            self.comp = None
        else:
            self.weight = Parameter(torch.empty(num_relations, in_channels[0], out_channels))
            self.comp = None
        self.root = Parameter(torch.empty(in_channels[1], out_channels)) \
            if root_weight else None
        self.bias = Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.weight)
        glorot(self.comp)
        glorot(self.root)
        zeros(self.bias)

    # ---------------------------------------------------------------- helpers
    def _inputs(self, x: Union[OptTensor, Tuple[OptTensor, Tensor]]) -> Tuple[Tensor, Tensor]:
        x_l: OptTensor = None
        x_r: OptTensor = None
        if isinstance(x, tuple):
            x_l, x_r = x[0], x[1]
        else:
            x_l = x
        if x_l is None:
            x_l = torch.arange(self.in_channels_l, device=self.weight.device)
        if x_r is None:
            x_r = x_l
        return x_l, x_r

    def _relation_weight(self) -> Tensor:
        comp = self.comp
        if comp is None:
            return self.weight
        w = self.weight
        return (comp @ w.view(w.size(0), -1)).view(self.num_relations, w.size(1), w.size(2))

    def _edge_type(self, edge_index: Adj, edge_type: OptTensor) -> Tensor:
        if edge_type is None and isinstance(edge_index, SparseTensor):
            edge_type = edge_index.storage.value()
        if edge_type is None:
            raise ValueError(f"{self._name}: edge_type is required (one relation "
                             f"id per edge), got None")
        return edge_type.long()

    def _root(self, out: Tensor, x_r: Tensor) -> Tensor:
        root = self.root
        if root is not None:
            if x_r.dtype == torch.long:
                out = out + root.index_select(0, x_r)
            else:
                out = out + x_r @ root
        bias = self.bias
        if bias is not None:
            out = out + bias
        return out

    # ---------------------------------------------------------------- forward
    def forward(self, x: Union[OptTensor, Tuple[OptTensor, Tensor]], edge_index: Adj,
                edge_type: OptTensor = None) -> Tensor:
        x_l, x_r = self._inputs(x)
        size = (x_l.size(0), x_r.size(0))
        types = self._edge_type(edge_index, edge_type)
        weight = self._relation_weight()
        if self.num_blocks is not None and x_l.dtype == torch.long:
            raise ValueError(f"{self._name}: block-diagonal decomposition needs "
                             f"float input features, got node indices")

        out = torch.zeros(x_r.size(0), self.out_channels, dtype=weight.dtype,
                          device=weight.device)
        if isinstance(edge_index, SparseTensor):
            for i in range(self.num_relations):
                adj = _relation_adj(edge_index, types == i)
                out = out + self._relation(adj, x_l, weight[i], size)
        else:
            sorted_index, counts = _split_by_type(edge_index, types, self.num_relations)
            start = 0
            for i in range(self.num_relations):
                count = counts[i]
                if count > 0:
                    tmp = sorted_index[:, start:start + count]
                    out = out + self._relation(tmp, x_l, weight[i], size)
                start += count
        return self._root(out, x_r)

    def _relation(self, edge_index: Adj, x_l: Tensor, weight: Tensor,
                  size: Tuple[int, int]) -> Tensor:
        if x_l.dtype == torch.long:
            return self.propagate(edge_index, x=weight.index_select(0, x_l), size=size)
        h = self.propagate(edge_index, x=x_l, size=size)
        if self.num_blocks is not None:
            h = h.view(h.size(0), weight.size(0), weight.size(1))
            h = torch.einsum("abc,bcd->abd", h, weight)
            return h.reshape(h.size(0), self.out_channels)
        return h @ weight

    def message(self, x_j: Tensor) -> Tensor:
        return x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)

    def __repr__(self) -> str:
        return (f"{self._name}({self.in_channels}, {self.out_channels}, "
                f"num_relations={self.num_relations})")
