"""Mini-batch types shared by local samplers and their Ray actors."""
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

from torch import Tensor

from distgnn.data import Data

__all__ = ["Block", "NeighborBatch", "ClusterBatch", "WalkBatch"]


class Block(NamedTuple):
    """One bipartite layer: ``edge_index`` [2, e] (row: source position in
    ``n_id``, col: target position), ``e_id`` the global edge ids (None when the
    loader was asked for none), ``size``
    ``(num_sources, num_targets)``; the targets are the first ``size[1]`` sources."""

    edge_index: Tensor
    e_id: Optional[Tensor]
    size: Tuple[int, int]


@dataclass
class NeighborBatch:
    """A sampled computation graph around ``batch_size`` seed nodes.

    ``n_id`` global ids (seeds first); ``blocks`` from the outermost hop to the
    seeds, so a model runs::

        for conv, (edge_index, _, size) in zip(convs, batch.blocks):
            x_target = x[:size[1]]
            x = conv((x, x_target), edge_index)

    ``x`` features of ``n_id``, ``y`` labels of the seeds (when the source has
    them). Unpacks as ``batch_size, n_id, adjs`` like a 1.7 NeighborSampler.
    """

    batch_size: int
    n_id: Tensor
    blocks: List[Block]
    x: Optional[Tensor] = None
    y: Optional[Tensor] = None

    @property
    def adjs(self) -> List[Block]:
        return self.blocks

    @property
    def num_sampled_edges(self) -> int:
        return int(sum(b.edge_index.size(1) for b in self.blocks))

    def __iter__(self) -> Iterator:
        return iter((self.batch_size, self.n_id, self.blocks))


class ClusterBatch(Data):
    """A :class:`~distgnn.data.Data` of the nodes of a few parts with every edge
    among them: ``x``, ``y``, masks, ``edge_index`` local to the batch, ``e_id``
    global edge ids, ``n_id`` global node ids and ``parts`` the parts used."""


@dataclass
class WalkBatch:
    """Skip-gram samples: ``pos_rw`` windows of random walks and ``neg_rw``
    windows of negative walks, both ``[*, context_size]``; unpacks as
    ``pos_rw, neg_rw`` (what Node2Vec's loss takes)."""

    pos_rw: Tensor
    neg_rw: Tensor
    walks: Optional[Tensor] = field(default=None, repr=False)

    def __iter__(self) -> Iterator[Tensor]:
        return iter((self.pos_rw, self.neg_rw))
