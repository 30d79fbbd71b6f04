r"""LayerNorm over each graph of a mini-batch (Ba et al., 2016).

.. math::
    \mathbf{x}^{\prime}_i = \frac{\mathbf{x} - \textrm{E}[\mathbf{x}]}
    {\sqrt{\textrm{Var}[\mathbf{x}] + \epsilon}} \odot \gamma + \beta

Mean and variance are taken over all nodes and all channels of each graph.
"""
from typing import Optional

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ..inits import ones, zeros

__all__ = ["LayerNorm"]


class LayerNorm(torch.nn.Module):
    r"""Layer normalisation over each graph's nodes and channels.

    Args:
        in_channels (int): Size of each input sample.
        eps (float, optional): Added to the denominator. (default: ``1e-5``)
        affine (bool, optional): Learn :math:`\gamma` and :math:`\beta`.
            (default: ``True``)
    """

    def __init__(self, in_channels: int, eps: float = 1e-5, affine: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.eps = eps
        self.weight = Parameter(torch.empty(in_channels)) if affine else None
        self.bias = Parameter(torch.empty(in_channels)) if affine else None
        self.reset_parameters()

    def reset_parameters(self):
        ones(self.weight)
        zeros(self.bias)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # torch_geometric 1.7.2 stored weight and bias with shape [1] (one scale and one
        # shift shared by all channels); such checkpoints load as that value per channel.
        for name in ("weight", "bias"):
            value, own = state_dict.get(prefix + name), getattr(self, name)
            if value is not None and own is not None and value.numel() == 1 \
                    and own.numel() != 1:
                state_dict[prefix + name] = value.expand_as(own).clone()
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        if batch is None:
            centred = x - x.mean()
            out = centred / (centred.pow(2).mean() + self.eps).sqrt()
        else:
            size = int(batch.max()) + 1
            f = x.size(-1)
            counts = torch.bincount(batch, minlength=size).clamp(min=1).to(x.dtype) * f
            mean = ops.scatter(x.sum(-1), batch, 0, size, "sum") / counts
            centred = x - mean.index_select(0, batch).unsqueeze(-1)
            var = ops.scatter(centred.pow(2).sum(-1), batch, 0, size, "sum") / counts
            out = centred / (var + self.eps).sqrt().index_select(0, batch).unsqueeze(-1)
        if self.weight is not None and self.bias is not None:
            out = out * self.weight + self.bias
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels})"
