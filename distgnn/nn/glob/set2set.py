r"""Set2Set (Vinyals et al., "Order Matters: Sequence to sequence for sets", ICLR 2016).

.. math::
    \mathbf{q}_t = \mathrm{LSTM}(\mathbf{q}^{*}_{t-1}), \quad
    \alpha_{i,t} = \mathrm{softmax}(\mathbf{x}_i \cdot \mathbf{q}_t), \quad
    \mathbf{r}_t = \sum_{i=1}^N \alpha_{i,t} \mathbf{x}_i, \quad
    \mathbf{q}^{*}_t = \mathbf{q}_t \, \Vert \, \mathbf{r}_t
"""
import torch
from torch import Tensor

from ... import ops
from ...utils import softmax

__all__ = ["Set2Set"]


class Set2Set(torch.nn.Module):
    r"""Iterative content-based attention pooling; output has ``2 * in_channels``.

    Args:
        in_channels (int): Size of each input sample.
        processing_steps (int): Number of iterations :math:`T`.
        num_layers (int, optional): Number of stacked LSTM layers. (default: ``1``)
    """

    def __init__(self, in_channels: int, processing_steps: int, num_layers: int = 1):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = 2 * in_channels
        self.processing_steps = processing_steps
        self.num_layers = num_layers
        self.lstm = torch.nn.LSTM(self.out_channels, in_channels, num_layers)
        self.reset_parameters()

    def reset_parameters(self):
        self.lstm.reset_parameters()

    def forward(self, x: Tensor, batch: Tensor) -> Tensor:
        size = int(batch.max()) + 1 if batch.numel() > 0 else 0
        h = (x.new_zeros(self.num_layers, size, self.in_channels),
             x.new_zeros(self.num_layers, size, self.in_channels))
        q_star = x.new_zeros(size, self.out_channels)
        for _ in range(self.processing_steps):
            q, h = self.lstm(q_star.unsqueeze(0), h)
            q = q.view(size, self.in_channels)
            e = (x * q.index_select(0, batch)).sum(dim=-1, keepdim=True)
            a = softmax(e, batch, num_nodes=size)
            r = ops.scatter(a * x, batch, 0, size, "sum")
            q_star = torch.cat([q, r], dim=-1)
        return q_star

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
