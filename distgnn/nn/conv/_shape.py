"""Shapes in error messages, in a form TorchScript compiles too."""
from typing import List

from torch import Tensor

__all__ = ["shape_str"]


def shape_str(x: Tensor) -> str:
    """``"[2, 3]"`` for a tensor of shape ``(2, 3)``."""
    dims: List[str] = [str(d) for d in x.size()]
    return "[" + ", ".join(dims) + "]"
