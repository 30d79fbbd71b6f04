"""Relabel a cluster vector to consecutive ids ``0, ..., C - 1``."""
from typing import Tuple

import torch
from torch import Tensor

__all__ = ["consecutive_cluster"]


def consecutive_cluster(src: Tensor) -> Tuple[Tensor, Tensor]:
    """Return ``(cluster, perm)``: ``cluster`` maps every entry of ``src`` to the rank
    of its value among the distinct values of ``src``; ``perm[c]`` is the smallest
    position of ``src`` that lands in cluster ``c``."""
    unique, inv = torch.unique(src, sorted=True, return_inverse=True)
    arange = torch.arange(inv.numel(), dtype=inv.dtype, device=inv.device)
    perm = torch.full((unique.numel(),), inv.numel(), dtype=inv.dtype, device=inv.device)
    perm = perm.scatter_reduce_(0, inv, arange, reduce="amin", include_self=True)
    return inv, perm
