"""The legacy ``scatter_(name, src, index)`` helper."""
from typing import Optional

from torch import Tensor

from distgnn import ops

__all__ = ["scatter_"]


def scatter_(name: str, src: Tensor, index: Tensor, dim: int = 0,
             dim_size: Optional[int] = None) -> Tensor:
    """Reduce ``src`` by ``index`` with ``name`` in ``add``, ``sum``, ``mean``, ``max``, ``min``.

    Groups without entries give 0.
    """
    if name not in ("add", "sum", "mean", "max", "min"):
        raise ValueError(f"'name' must be one of add, sum, mean, max, min; got {name!r}")
    return ops.scatter(src, index, dim, dim_size, reduce=name)
