r"""MessageNorm, from Li et al., "DeeperGCN: All You Need to Train Deeper GCNs" (2020).

.. math::
    \mathbf{x}_i^{\prime} = \mathrm{MLP} \left( \mathbf{x}_{i} + s \cdot
    {\| \mathbf{x}_i \|}_2 \cdot \frac{\mathbf{m}_{i}}{{\|\mathbf{m}_i\|}_2} \right)

This module computes the normalised message term :math:`s \cdot \|\mathbf{x}_i\|_2
\cdot \mathbf{m}_i / \|\mathbf{m}_i\|_2`.
"""
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter

__all__ = ["MessageNorm"]


class MessageNorm(torch.nn.Module):
    r"""Message normalisation (Li et al., 2020).

    .. math::
        \mathbf{x}_i^{\prime} = \mathrm{MLP} \left( \mathbf{x}_{i} + s \cdot
        {\| \mathbf{x}_i \|}_2 \cdot \frac{\mathbf{m}_{i}}{{\|\mathbf{m}_i\|}_2} \right)

    ``forward(x, msg, p=2)`` returns :math:`s \cdot \|\mathbf{x}_i\|_p \cdot
    \mathbf{m}_i / \|\mathbf{m}_i\|_p`.

    Args:
        learn_scale (bool, optional): Learn the scale :math:`s` (initially ``1``).
            (default: ``False``)
    """

    def __init__(self, learn_scale: bool = False):
        super().__init__()
        self.scale = Parameter(torch.tensor([1.0]), requires_grad=learn_scale)

    def reset_parameters(self):
        self.scale.data.fill_(1.0)

    def forward(self, x: Tensor, msg: Tensor, p: int = 2) -> Tensor:
        if x.shape[:-1] != msg.shape[:-1]:
            raise ValueError("MessageNorm: x and msg must agree on all but the last "
                             "dimension, got " + str(list(x.shape)) + " and "
                             + str(list(msg.shape)))
        msg = F.normalize(msg, p=float(p), dim=-1)
        x_norm = x.norm(p=p, dim=-1, keepdim=True)
        return msg * x_norm * self.scale

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learn_scale={self.scale.requires_grad})"
