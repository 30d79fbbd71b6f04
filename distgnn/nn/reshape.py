"""``Reshape``: a view of its input as a module, for ``Sequential`` models."""
from typing import Tuple

import torch
from torch import Tensor

__all__ = ["Reshape"]


class Reshape(torch.nn.Module):
    r"""Returns ``x.view(*shape)``.

    Args:
        *shape (int): The target shape; one entry may be ``-1`` (inferred).
    """

    def __init__(self, *shape: int):
        super().__init__()
        self.shape: Tuple[int, ...] = shape

    def forward(self, x: Tensor) -> Tensor:
        return x.view(*self.shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(str(d) for d in self.shape)})"
