r"""GlobalAttention (Li et al., "Gated Graph Sequence Neural Networks", ICLR 2016).

.. math::
    \mathbf{r}_i = \sum_{n=1}^{N_i} \mathrm{softmax} \left( h_{\mathrm{gate}}
    ( \mathbf{x}_n ) \right) \odot h_{\mathbf{\Theta}} ( \mathbf{x}_n )
"""
from typing import Optional

import torch
from torch import Tensor

from ... import ops
from ...utils import softmax
from ..inits import reset

__all__ = ["GlobalAttention"]


class GlobalAttention(torch.nn.Module):
    r"""Global soft attention pooling.

    Args:
        gate_nn (torch.nn.Module): :math:`h_{\mathrm{gate}}`, mapping ``[-1, F]`` to
            ``[-1, 1]``.
        nn (torch.nn.Module, optional): :math:`h_{\mathbf{\Theta}}`, mapping node
            features before they are weighted. (default: ``None``)
    """

    def __init__(self, gate_nn: torch.nn.Module, nn: Optional[torch.nn.Module] = None):
        super().__init__()
        self.gate_nn = gate_nn
        self.nn = nn
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.gate_nn)
        reset(self.nn)

    def forward(self, x: Tensor, batch: Optional[Tensor],
                size: Optional[int] = None) -> Tensor:
        x = x.unsqueeze(-1) if x.dim() == 1 else x
        if batch is None:
            batch = x.new_zeros(x.size(0), dtype=torch.long)
        size = int(batch.max()) + 1 if size is None else size
        gate = self.gate_nn(x).view(-1, 1)
        if gate.size(0) != x.size(0):
            raise ValueError(f"GlobalAttention: gate_nn must map [N, F] to [N, 1], got "
                             f"{list(self.gate_nn(x).shape)} for N={x.size(0)}")
        h = self.nn(x) if self.nn is not None else x
        gate = softmax(gate, batch, num_nodes=size)
        return ops.scatter(gate * h, batch, 0, size, "sum")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(gate_nn={self.gate_nn}, nn={self.nn})"
