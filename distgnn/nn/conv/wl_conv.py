r"""WLConv, the Weisfeiler-Lehman colour refinement operator from Weisfeiler & Lehman,
"A Reduction of a Graph to a Canonical Form and an Algebra Arising During this
Reduction" (1968).

.. math::
    \mathbf{x}^{\prime}_i = \textrm{hash} \left( \mathbf{x}_i, \{ \mathbf{x}_j \colon
    j \in \mathcal{N}(i) \} \right)

The neighbour multiset of each node is summarised by its size and two 64-bit sums
of mixed colour codes (order-free, computed with one scatter each); the distinct
``(colour, signature)`` rows are then mapped to consecutive new colours through the
layer's persistent ``hashmap``, in order of first appearance.
"""
from typing import Dict, List, Tuple

import torch
from torch import Tensor

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor

__all__ = ["WLConv"]

_MASK64 = (1 << 64) - 1


def _signed(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >= (1 << 63) else value


_GOLDEN = _signed(0x9E3779B97F4A7C15)
_MUL1 = _signed(0xBF58476D1CE4E5B9)
_MUL2 = _signed(0x94D049BB133111EB)
_SEEDS = (_signed(0x2545F4914F6CDD1D), _signed(0x5851F42D4C957F2D))


def _shr(z: Tensor, s: int) -> Tensor:
    """Logical right shift of int64 bit patterns."""
    return (z >> s) & ((1 << (64 - s)) - 1)


def _mix(c: Tensor, seed: int) -> Tensor:
    """A 64-bit finaliser (splitmix64) of ``c + seed``, wrapping in int64."""
    z = c + seed + _GOLDEN
    z = (z ^ _shr(z, 30)) * _MUL1
    z = (z ^ _shr(z, 27)) * _MUL2
    return z ^ _shr(z, 31)


class WLConv(torch.nn.Module):
    r"""The Weisfeiler-Lehman operator, which iteratively refines node colourings.

    .. math::
        \mathbf{x}^{\prime}_i = \textrm{hash} \left( \mathbf{x}_i, \{ \mathbf{x}_j
        \colon j \in \mathcal{N}(i) \} \right)

    ``x`` holds integer colours ``[N]`` (or one-hot rows ``[N, C]``). Colours are
    consistent across calls: the mapping from (colour, neighbour multiset) to new
    colour is kept in :attr:`hashmap` until :meth:`reset_parameters`.
    """

    def __init__(self):
        super().__init__()
        self.hashmap: Dict[Tuple[int, ...], int] = {}

    def reset_parameters(self):
        self.hashmap = {}

    @torch.no_grad()
    def forward(self, x: Tensor, edge_index: Adj) -> Tensor:
        x = self._colours(x)
        n = x.size(0)
        if isinstance(edge_index, SparseTensor):
            dst, src = edge_index.storage.row(), edge_index.storage.col()
        elif isinstance(edge_index, Tensor) and edge_index.dim() == 2 \
                and edge_index.size(0) == 2:
            src, dst = edge_index[0], edge_index[1]
        else:
            raise ValueError(f"WLConv: edge_index must be a LongTensor of shape [2, E] or a "
                             f"SparseTensor, got {getattr(edge_index, 'shape', edge_index)}")
        neigh = x.index_select(0, src)
        deg = ops.scatter(torch.ones_like(neigh), dst, 0, n, "sum")
        h1 = ops.scatter(_mix(neigh, _SEEDS[0]), dst, 0, n, "sum")
        h2 = ops.scatter(_mix(neigh, _SEEDS[1]), dst, 0, n, "sum")
        signature = torch.stack([x, deg, h1, h2], dim=1)
        unique, inverse = torch.unique(signature, dim=0, return_inverse=True)
        first = ops.scatter(torch.arange(n, device=x.device), inverse, 0, unique.size(0),
                            "min")
        order = torch.argsort(first)
        keys: List[List[int]] = unique.index_select(0, order).tolist()
        new = [self.hashmap.setdefault(tuple(key), len(self.hashmap)) for key in keys]
        colour = torch.empty(unique.size(0), dtype=torch.long, device=x.device)
        colour[order] = torch.tensor(new, dtype=torch.long, device=x.device)
        return colour[inverse]

    @staticmethod
    def _colours(x: Tensor) -> Tensor:
        if x.dim() > 1:
            if x.dim() != 2 or not bool(((x == 0) | (x == 1)).all()) \
                    or not bool((x.sum(dim=-1) == 1).all()):
                raise ValueError(f"WLConv: x must be integer colours [N] or one-hot rows "
                                 f"[N, C], got a tensor of shape {list(x.shape)} that is "
                                 f"not one-hot")
            return x.argmax(dim=-1)
        if x.dtype.is_floating_point:
            raise ValueError(f"WLConv: colours must be integers, got dtype {x.dtype}")
        return x.long()

    def histogram(self, x: Tensor, batch: OptTensor = None, norm: bool = False) -> Tensor:
        r"""The colour histogram of every graph, ``[num_graphs, num_colours]``
        (rows :math:`\ell_2`-normalised when ``norm``)."""
        if batch is None:
            batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
        num_colors = len(self.hashmap)
        batch_size = int(batch.max()) + 1 if batch.numel() > 0 else 1
        index = batch * num_colors + x
        out = ops.scatter(torch.ones_like(index), index, 0, num_colors * batch_size, "sum")
        out = out.view(batch_size, num_colors)
        if norm:
            out = out.to(torch.float)
            out = out / out.norm(dim=-1, keepdim=True)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
