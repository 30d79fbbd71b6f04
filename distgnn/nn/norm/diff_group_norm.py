r"""DiffGroupNorm (Zhou et al., "Towards Deeper Graph Neural Networks with
Differentiable Group Normalization", NeurIPS 2020).

.. math::
    \mathbf{S} = \text{softmax} (\mathbf{X} \mathbf{W}), \qquad
    \mathbf{X}^{\prime} = \mathbf{X} + \lambda \sum_{i = 1}^G
    \text{BatchNorm}(\mathbf{S}[:, i] \odot \mathbf{X})
"""
import torch
from torch import Tensor
from torch.nn import BatchNorm1d, Linear

__all__ = ["DiffGroupNorm"]


class DiffGroupNorm(torch.nn.Module):
    r"""Group-wise normalisation through a learnable soft cluster assignment.

    Args:
        in_channels (int): Size of each input sample :math:`F`.
        groups (int): The number of groups :math:`G`.
        lamda (float, optional): Balance :math:`\lambda` between the input and the
            normalised embeddings. (default: ``0.01``)
        eps (float, optional): Added to the denominator. (default: ``1e-5``)
        momentum (float, optional): Running-statistics momentum. (default: ``0.1``)
        affine (bool, optional): Learn affine parameters. (default: ``True``)
        track_running_stats (bool, optional): Track running statistics.
            (default: ``True``)
    """

    def __init__(self, in_channels: int, groups: int, lamda: float = 0.01, eps: float = 1e-5,
                 momentum: float = 0.1, affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.groups = groups
        self.lamda = lamda
        self.lin = Linear(in_channels, groups, bias=False)
        self.norm = BatchNorm1d(groups * in_channels, eps, momentum, affine,
                                track_running_stats)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin.reset_parameters()
        self.norm.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        f, g = self.in_channels, self.groups
        s = self.lin(x).softmax(dim=-1)  # [N, G]
        out = (s.unsqueeze(-1) * x.unsqueeze(-2)).view(-1, g * f)
        out = self.norm(out).view(-1, g, f).sum(dim=1)
        return x + self.lamda * out

    @staticmethod
    def group_distance_ratio(x: Tensor, y: Tensor, eps: float = 1e-5) -> float:
        r"""Mean inter-group over mean intra-group pairwise distance (groups by ``y``)."""
        num_classes = int(y.max()) + 1
        numerator, denominator = 0.0, 0.0
        for i in range(num_classes):
            mask = y == i
            dist = torch.cdist(x[mask].unsqueeze(0), x[~mask].unsqueeze(0))
            numerator += (1 / dist.numel()) * float(dist.sum()) if dist.numel() else 0.0
            dist = torch.cdist(x[mask].unsqueeze(0), x[mask].unsqueeze(0))
            denominator += (1 / dist.numel()) * float(dist.sum()) if dist.numel() else 0.0
        numerator *= 1 / (num_classes - 1) ** 2 if num_classes > 1 else 0.0
        denominator *= 1 / num_classes ** 2
        return numerator / (denominator + eps)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, groups={self.groups})"
