r"""Global pooling: one graph-level vector per example of a mini-batch.

For graph :math:`\mathcal{G}_i` with nodes :math:`n = 1..N_i`:
:math:`\mathbf{r}_i = \sum_n \mathbf{x}_n` (add), :math:`\frac{1}{N_i}\sum_n \mathbf{x}_n`
(mean), :math:`\max_n \mathbf{x}_n` (max, channel-wise).
"""
from typing import Optional

from torch import Tensor

from ... import ops

__all__ = ["global_add_pool", "global_mean_pool", "global_max_pool"]


def _size(batch: Optional[Tensor], size: Optional[int]) -> int:
    if size is not None:
        return size
    return int(batch.max()) + 1 if batch is not None and batch.numel() > 0 else 1


def _pool(x: Tensor, batch: Optional[Tensor], size: Optional[int], reduce: str) -> Tensor:
    if batch is None:
        if reduce == "sum":
            return x.sum(dim=0, keepdim=True)
        if reduce == "mean":
            return x.mean(dim=0, keepdim=True)
        return x.max(dim=0, keepdim=True).values
    return ops.scatter(x, batch, 0, _size(batch, size), reduce)


def global_add_pool(x: Tensor, batch: Optional[Tensor], size: Optional[int] = None) -> Tensor:
    r""":math:`\mathbf{r}_i = \sum_{n=1}^{N_i} \mathbf{x}_n`.

    Args:
        x (Tensor): Node features :math:`[N_1 + \ldots + N_B, F]`.
        batch (LongTensor): Example of every node (``None``: a single example).
        size (int, optional): Batch size :math:`B`, inferred if ``None``.
            (default: ``None``)
    """
    return _pool(x, batch, size, "sum")


def global_mean_pool(x: Tensor, batch: Optional[Tensor], size: Optional[int] = None) -> Tensor:
    r""":math:`\mathbf{r}_i = \frac{1}{N_i} \sum_{n=1}^{N_i} \mathbf{x}_n` (args as
    :func:`global_add_pool`)."""
    return _pool(x, batch, size, "mean")


def global_max_pool(x: Tensor, batch: Optional[Tensor], size: Optional[int] = None) -> Tensor:
    r""":math:`\mathbf{r}_i = \max_{n=1}^{N_i} \mathbf{x}_n` (args as
    :func:`global_add_pool`)."""
    return _pool(x, batch, size, "max")
