r"""GraphSizeNorm (Dwivedi et al., "Benchmarking Graph Neural Networks", 2020).

.. math::
    \mathbf{x}^{\prime}_i = \frac{\mathbf{x}_i}{\sqrt{|\mathcal{V}|}}
"""
from typing import Optional

import torch
from torch import Tensor

__all__ = ["GraphSizeNorm"]


class GraphSizeNorm(torch.nn.Module):
    """Divide every node's features by the square root of its graph's size."""

    def __init__(self):
        super().__init__()

    def forward(self, x: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        if batch is None:
            batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
        inv_sqrt = torch.bincount(batch).to(x.dtype).pow(-0.5)
        return x * inv_sqrt.index_select(0, batch).view(-1, 1)
