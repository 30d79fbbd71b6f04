"""Input checks shared by the dense layers."""
from typing import Optional, Tuple

from torch import Tensor

__all__ = ["batched", "apply_mask"]


def batched(name: str, x: Tensor, adj: Tensor,
            mask: Optional[Tensor]) -> Tuple[Tensor, Tensor, int, int]:
    """``x`` as ``[B, N, F]`` and ``adj`` as ``[B or 1, N, N]`` (an ``[N, N]`` adjacency
    or ``[N]`` mask is shared by the batch); returns them with ``B`` and ``N``.
    Raises ``ValueError`` naming the expected shapes."""
    if x.dim() == 2:
        x = x.unsqueeze(0)
    if adj.dim() == 2:
        adj = adj.unsqueeze(0)
    if x.dim() != 3:
        raise ValueError(f"{name}: x must have shape [B, N, F] or [N, F], got "
                         f"{list(x.shape)}")
    if adj.dim() != 3 or adj.size(-1) != adj.size(-2):
        raise ValueError(f"{name}: adj must have shape [B, N, N] or [N, N], got "
                         f"{list(adj.shape)}")
    n = x.size(1)
    if adj.size(-1) != n:
        raise ValueError(f"{name}: adj is {adj.size(-1)}x{adj.size(-1)} but x has {n} nodes")
    b = max(x.size(0), adj.size(0))
    if adj.size(0) not in (1, b) or x.size(0) not in (1, b):
        raise ValueError(f"{name}: batch sizes of x ({x.size(0)}) and adj ({adj.size(0)}) "
                         f"do not broadcast")
    if mask is not None and not (
            (mask.dim() == 1 and mask.size(0) == n)
            or (mask.dim() == 2 and mask.size(1) == n and mask.size(0) in (1, b))):
        raise ValueError(f"{name}: mask must have shape [B, N] = [{b}, {n}] or [N] = "
                         f"[{n}] (shared by the batch), got {list(mask.shape)}")
    return x, adj, b, n


def apply_mask(out: Tensor, mask: Optional[Tensor]) -> Tensor:
    """Zero the rows of invalid nodes (``mask`` ``[B, N]`` or ``[N]``, true for valid
    nodes)."""
    if mask is None:
        return out
    return out * mask.unsqueeze(-1).to(out.dtype)
