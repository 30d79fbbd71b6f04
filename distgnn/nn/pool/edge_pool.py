r"""Edge pooling, from Diehl et al., "Towards Graph Pooling by Edge Contraction"
(ICML 2019 workshop) and Diehl, "Edge Contraction Pooling for Graph Neural Networks"
(2019).

Every edge :math:`(i, j)` gets a score :math:`s_{ij} = \mathrm{norm}(\mathbf{w}^{\top}
[\mathbf{x}_i \, \Vert \, \mathbf{x}_j] + b) + c` (by default a softmax over the
incoming edges of :math:`j`, plus :math:`c = 0.5`). Edges are contracted greedily by
descending score unless one of their nodes already belongs to a contracted edge; a
merged node gets :math:`s_{ij} (\mathbf{x}_i + \mathbf{x}_j)`, every other node keeps
its features.
"""
from collections import namedtuple
from typing import Callable, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ... import ops
from ...utils import coalesce, softmax

__all__ = ["EdgePooling"]

UnpoolDescription = namedtuple("UnpoolDescription",
                               ["edge_index", "cluster", "batch", "new_edge_score"])

# Rounds of the parallel matching before the few edges left are settled one by one.
_MAX_ROUNDS = 64


def _dominant_rounds(src: Tensor, dst: Tensor, rank: Tensor, num_nodes: int
                     ) -> Tuple[List[Tensor], Tensor, Tensor]:
    """Greedy matching by rank through rounds of locally dominant edges: an alive
    edge whose rank is the smallest among all alive edges at both its endpoints is
    taken; edges touching taken nodes die. Equals the sequential greedy matching.
    Returns the chosen edge ids per round, the free-node mask and the alive mask."""
    num_edges = rank.numel()
    free = torch.ones(num_nodes, dtype=torch.bool, device=src.device)
    alive = torch.ones(num_edges, dtype=torch.bool, device=src.device)
    chosen: List[Tensor] = []
    for _ in range(_MAX_ROUNDS):
        ids = alive.nonzero().view(-1)
        if ids.numel() == 0:
            break
        s, d, r = src[ids], dst[ids], rank[ids]
        best = torch.full((num_nodes,), num_edges, dtype=torch.long, device=src.device)
        best.scatter_reduce_(0, s, r, reduce="amin")
        best.scatter_reduce_(0, d, r, reduce="amin")
        win = (best[s] == r) & (best[d] == r)
        chosen.append(ids[win])
        free[s[win]] = False
        free[d[win]] = False
        alive = free[src] & free[dst]
    return chosen, free, alive


def _greedy_matching(edge_index: Tensor, score: Tensor, num_nodes: int
                     ) -> Tuple[Tensor, Tensor]:
    """Edges contracted by descending ``score`` (ties by edge order) such that no node
    is in two of them; returns the chosen edge ids (best first) and the mask of the
    nodes left unmatched."""
    src, dst = edge_index[0], edge_index[1]
    order = torch.sort(score.detach(), descending=True, stable=True)[1]
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel(), device=order.device)
    chosen, free, alive = _dominant_rounds(src, dst, rank, num_nodes)
    if bool(alive.any()):  # long chains of ordered scores: finish sequentially
        rest = alive.nonzero().view(-1)
        rest = rest[torch.argsort(rank[rest])]
        free_list = free.tolist()
        taken: List[int] = []
        for e, u, v in zip(rest.tolist(), src[rest].tolist(), dst[rest].tolist()):
            if free_list[u] and free_list[v]:
                free_list[u] = free_list[v] = False
                taken.append(e)
        chosen.append(torch.tensor(taken, dtype=torch.long, device=src.device))
        free = torch.tensor(free_list, dtype=torch.bool, device=src.device)
    ids = torch.cat(chosen) if chosen else src.new_empty(0)
    return ids[torch.argsort(rank[ids])], free


class EdgePooling(torch.nn.Module):
    r"""The edge pooling operator (Diehl et al., 2019).

    In short, a score is computed for each edge. Edges are contracted iteratively
    according to that score unless one of their nodes has already been part of a
    contracted edge.

    To duplicate the configuration from "Towards Graph Pooling by Edge Contraction",
    use either :meth:`compute_edge_score_softmax` or :meth:`compute_edge_score_tanh`
    and set ``add_to_edge_score`` to ``0``. To duplicate the configuration from "Edge
    Contraction Pooling for Graph Neural Networks", set ``dropout`` to ``0.2``.

    Args:
        in_channels (int): Size of each input sample.
        edge_score_method (callable, optional): Normalises the raw edge scores; called
            as ``f(raw_edge_score, edge_index, num_nodes)``. One of
            :meth:`compute_edge_score_softmax`, :meth:`compute_edge_score_tanh` and
            :meth:`compute_edge_score_sigmoid`.
            (default: :meth:`compute_edge_score_softmax`)
        dropout (float, optional): The probability with which to drop edge scores
            during training. (default: ``0``)
        add_to_edge_score (float, optional): Added to each computed edge score; helps
            unpool stability. (default: ``0.5``)
    """

    unpool_description = UnpoolDescription

    def __init__(self, in_channels: int, edge_score_method: Optional[Callable] = None,
                 dropout: float = 0.0, add_to_edge_score: float = 0.5):
        super().__init__()
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"EdgePooling: dropout must lie in [0, 1], got {dropout}")
        self.in_channels = in_channels
        if edge_score_method is None:
            edge_score_method = self.compute_edge_score_softmax
        self.compute_edge_score = edge_score_method
        self.add_to_edge_score = add_to_edge_score
        self.dropout = dropout
        self.lin = torch.nn.Linear(2 * in_channels, 1)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin.reset_parameters()

    @staticmethod
    def compute_edge_score_softmax(raw_edge_score: Tensor, edge_index: Tensor,
                                   num_nodes: int) -> Tensor:
        """Softmax of the raw scores over the incoming edges of every node."""
        return softmax(raw_edge_score, edge_index[1], num_nodes=num_nodes)

    @staticmethod
    def compute_edge_score_tanh(raw_edge_score: Tensor, edge_index: Tensor,
                                num_nodes: int) -> Tensor:
        """:math:`\\tanh` of the raw scores."""
        return torch.tanh(raw_edge_score)

    @staticmethod
    def compute_edge_score_sigmoid(raw_edge_score: Tensor, edge_index: Tensor,
                                   num_nodes: int) -> Tensor:
        """Logistic sigmoid of the raw scores."""
        return torch.sigmoid(raw_edge_score)

    def forward(self, x: Tensor, edge_index: Tensor, batch: Optional[Tensor]
                ) -> Tuple[Tensor, Tensor, Tensor, UnpoolDescription]:
        """Scores the edges, normalises the scores and merges the edges.

        Returns ``(x, edge_index, batch, unpool_info)``: the pooled node features, the
        coarsened edge indices, the coarsened batch vector and the information
        :meth:`unpool` consumes.
        """
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"EdgePooling: x must have shape [N, {self.in_channels}], got "
                             f"{list(x.shape)}")
        if batch is None:
            batch = edge_index.new_zeros(x.size(0))
        e = torch.cat([x[edge_index[0]], x[edge_index[1]]], dim=-1)
        e = self.lin(e).view(-1)
        e = F.dropout(e, p=self.dropout, training=self.training)
        e = self.compute_edge_score(e, edge_index, x.size(0))
        e = e + self.add_to_edge_score
        return self._merge_edges(x, edge_index, batch, e)

    def _merge_edges(self, x: Tensor, edge_index: Tensor, batch: Tensor, edge_score: Tensor
                     ) -> Tuple[Tensor, Tensor, Tensor, UnpoolDescription]:
        n = x.size(0)
        chosen, free = _greedy_matching(edge_index, edge_score, n)
        num_chosen = chosen.numel()
        remaining = free.nonzero().view(-1)
        num_clusters = num_chosen + remaining.numel()
        cluster = torch.empty(n, dtype=torch.long, device=x.device)
        pair_id = torch.arange(num_chosen, device=x.device)
        cluster[edge_index[0, chosen]] = pair_id
        cluster[edge_index[1, chosen]] = pair_id
        cluster[remaining] = torch.arange(num_chosen, num_clusters, device=x.device)

        new_edge_score = torch.cat([edge_score[chosen],
                                    edge_score.new_ones(remaining.numel())])
        new_x = ops.scatter_sum(x, cluster, 0, num_clusters) * new_edge_score.view(-1, 1)
        new_edge_index, _ = coalesce(cluster[edge_index], None, num_clusters, num_clusters)
        new_batch = batch.new_empty(num_clusters).scatter_(0, cluster, batch)
        info = UnpoolDescription(edge_index=edge_index, cluster=cluster, batch=batch,
                                 new_edge_score=new_edge_score)
        return new_x, new_edge_index, new_batch, info

    def unpool(self, x: Tensor, unpool_info: UnpoolDescription
               ) -> Tuple[Tensor, Tensor, Tensor]:
        """Unpools a previous edge pooling step: ``x`` (shaped as the output of
        :meth:`forward`) is divided by the merge scores and copied back to every node
        of its cluster. Returns ``(x, edge_index, batch)`` of the unpooled graph."""
        new_x = x / unpool_info.new_edge_score.view(-1, 1)
        return new_x[unpool_info.cluster], unpool_info.edge_index, unpool_info.batch

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels})"
