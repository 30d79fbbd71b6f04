r"""Node selection shared by the top-:math:`k` style pooling operators: :func:`topk`
picks the best-scored nodes of every example, :func:`filter_adj` restricts the
edges to them."""
from typing import Optional, Tuple, Union

import torch
from torch import Tensor

from ... import ops

__all__ = ["topk", "filter_adj"]


def _check_ratio(ratio: Union[float, int]) -> None:
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
        raise TypeError(f"topk: ratio must be a float in (0, 1] or a positive int, "
                        f"got {type(ratio).__name__}")
    if isinstance(ratio, int) and ratio < 1:
        raise ValueError(f"topk: an int ratio is the number of nodes kept and must be "
                         f">= 1, got {ratio}")
    if isinstance(ratio, float) and not 0.0 < ratio <= 1.0:
        raise ValueError(f"topk: a float ratio must lie in (0, 1], got {ratio}")


def _num_kept(ratio: Union[float, int], num_nodes: Tensor) -> Tensor:
    """Nodes kept per example: ``ceil(ratio * N_b)`` or ``min(ratio, N_b)``."""
    if isinstance(ratio, int):
        return num_nodes.clamp(max=ratio)
    return (ratio * num_nodes.to(torch.float)).ceil().to(torch.long)


def topk(x: Tensor, ratio: Union[float, int], batch: Tensor,
         min_score: Optional[float] = None, tol: float = 1e-7) -> Tensor:
    r"""Indices of the nodes kept by top-:math:`k` pooling.

    Without ``min_score``, the :math:`k = \lceil \mathrm{ratio} \cdot N_b \rceil`
    best-scored nodes of every example :math:`b` (or ``ratio`` of them when it is an
    ``int``), example by example and by descending score. With ``min_score``, every
    node whose score exceeds :math:`\min(\tilde{\alpha}, \max_b - \mathrm{tol})`
    (so that at least the best node of every example survives), in node order.

    Args:
        x (Tensor): Node scores ``[N]``.
        ratio (float or int): Pooling ratio in ``(0, 1]`` or number of nodes kept.
        batch (LongTensor): Batch vector ``[N]``.
        min_score (float, optional): Minimal node score. (default: ``None``)
        tol (float, optional): Tolerance of the per-example maximum. (default: ``1e-7``)
    """
    if x.dim() != 1 or batch.dim() != 1 or batch.numel() != x.numel():
        raise ValueError(f"topk: x and batch must be vectors of the same length, got "
                         f"{list(x.shape)} and {list(batch.shape)}")
    if x.numel() == 0:
        return torch.empty(0, dtype=torch.long, device=x.device)
    if min_score is not None:
        best = ops.scatter_max(x, batch, 0).index_select(0, batch) - tol
        return (x > best.clamp(max=min_score)).nonzero().view(-1)
    _check_ratio(ratio)
    num_nodes = torch.bincount(batch)
    k = _num_kept(ratio, num_nodes)
    by_score = torch.sort(x.detach(), descending=True, stable=True)[1]
    batch_sorted, by_batch = torch.sort(batch[by_score], stable=True)
    start = torch.cumsum(num_nodes, 0) - num_nodes
    rank = torch.arange(x.numel(), device=x.device) - start.index_select(0, batch_sorted)
    kept = (rank < k.index_select(0, batch_sorted)).nonzero().view(-1)
    return by_score.index_select(0, by_batch.index_select(0, kept))


def filter_adj(edge_index: Tensor, edge_attr: Optional[Tensor], perm: Tensor,
               num_nodes: Optional[int] = None) -> Tuple[Tensor, Optional[Tensor]]:
    r"""Keep the edges between kept nodes ``perm`` and relabel their endpoints to
    positions in ``perm``; returns ``(edge_index, edge_attr)``."""
    if num_nodes is None:
        num_nodes = int(edge_index.max()) + 1 if edge_index.numel() > 0 else 0
        num_nodes = max(num_nodes, int(perm.max()) + 1 if perm.numel() > 0 else 0)
    new_id = torch.full((num_nodes,), -1, dtype=torch.long, device=perm.device)
    new_id[perm] = torch.arange(perm.numel(), device=perm.device)
    ids = new_id.index_select(0, edge_index.reshape(-1)).view(2, -1)
    keep = ((ids[0] >= 0) & (ids[1] >= 0)).nonzero().view(-1)
    out = ids.index_select(1, keep)
    return out, None if edge_attr is None else edge_attr.index_select(0, keep)
