r"""JumpingKnowledge (Xu et al., "Representation Learning on Graphs with Jumping
Knowledge Networks", ICML 2018): combine the outputs of every layer.

``cat``: :math:`\mathbf{x}_v^{(1)} \, \Vert \, \ldots \, \Vert \, \mathbf{x}_v^{(T)}`;
``max``: :math:`\max(\mathbf{x}_v^{(1)}, \ldots, \mathbf{x}_v^{(T)})`;
``lstm``: :math:`\sum_{t} \alpha_v^{(t)} \mathbf{x}_v^{(t)}` with attention scores
from a bi-directional LSTM over the layers.
"""
from typing import List, Optional

import torch
from torch import Tensor
from torch.nn import LSTM, Linear

__all__ = ["JumpingKnowledge"]

MODES = ("cat", "max", "lstm")


class JumpingKnowledge(torch.nn.Module):
    r"""The Jumping Knowledge layer aggregation module.

    Args:
        mode (string): ``"cat"``, ``"max"`` or ``"lstm"``.
        channels (int, optional): Channels per layer output (``lstm`` only).
            (default: ``None``)
        num_layers (int, optional): Number of layers combined (``lstm`` only).
            (default: ``None``)
    """

    def __init__(self, mode: str, channels: Optional[int] = None,
                 num_layers: Optional[int] = None):
        super().__init__()
        self.mode = mode.lower()
        if self.mode not in MODES:
            raise ValueError(f"JumpingKnowledge: mode must be one of {MODES}, got {mode!r}")
        if self.mode == "lstm":
            if channels is None or num_layers is None:
                raise ValueError("JumpingKnowledge: mode 'lstm' needs channels and "
                                 f"num_layers, got channels={channels}, "
                                 f"num_layers={num_layers}")
            self.lstm = LSTM(channels, (num_layers * channels) // 2, bidirectional=True,
                             batch_first=True)
            self.att = Linear(2 * ((num_layers * channels) // 2), 1)
        self.channels = channels
        self.num_layers = num_layers
        self.reset_parameters()

    def reset_parameters(self):
        if self.mode == "lstm":
            self.lstm.reset_parameters()
            self.att.reset_parameters()

    def forward(self, xs: List[Tensor]) -> Tensor:
        if len(xs) == 0:
            raise ValueError("JumpingKnowledge: expected a non-empty list of layer outputs")
        if self.mode == "cat":
            return torch.cat(xs, dim=-1)
        if self.mode == "max":
            return torch.stack(xs, dim=-1).max(dim=-1).values
        stacked = torch.stack(xs, dim=1)  # [N, T, C]
        alpha, _ = self.lstm(stacked)
        alpha = torch.softmax(self.att(alpha).squeeze(-1), dim=-1)
        return (stacked * alpha.unsqueeze(-1)).sum(dim=1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.mode})"
