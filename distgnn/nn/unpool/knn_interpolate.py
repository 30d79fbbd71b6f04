r"""k-NN interpolation, from Qi et al., "PointNet++: Deep Hierarchical Feature
Learning on Point Sets in a Metric Space" (NeurIPS 2017).

.. math::
    \mathbf{f}(y) = \frac{\sum_{i=1}^k w(x_i) \mathbf{f}(x_i)}{\sum_{i=1}^k w(x_i)},
    \qquad w(x_i) = \frac{1}{d(\mathbf{p}(y), \mathbf{p}(x_i))^2}

over the :math:`k` nearest points :math:`x_1, \ldots, x_k` of :math:`y`.
"""
from typing import Optional

import torch
from torch import Tensor

from ... import ops

__all__ = ["knn_interpolate"]


def _check(x: Tensor, pos_x: Tensor, pos_y: Tensor) -> None:
    if x.size(0) != pos_x.size(0):
        raise ValueError(f"knn_interpolate: x and pos_x must have one row per point, got "
                         f"{x.size(0)} and {pos_x.size(0)}")
    if pos_x.dim() != 2 or pos_y.dim() != 2 or pos_x.size(1) != pos_y.size(1):
        raise ValueError(f"knn_interpolate: pos_x and pos_y must have shapes [N, d] and "
                         f"[M, d], got {list(pos_x.shape)} and {list(pos_y.shape)}")


def knn_interpolate(x: Tensor, pos_x: Tensor, pos_y: Tensor,
                    batch_x: Optional[Tensor] = None, batch_y: Optional[Tensor] = None,
                    k: int = 3, num_workers: int = 1) -> Tensor:
    r"""The k-NN interpolation (Qi et al., NeurIPS 2017). For each point :math:`y`
    with position :math:`\mathbf{p}(y)`, its interpolated features are

    .. math::
        \mathbf{f}(y) = \frac{\sum_{i=1}^k w(x_i) \mathbf{f}(x_i)}{\sum_{i=1}^k
        w(x_i)} \textrm{, where } w(x_i) = \frac{1}{d(\mathbf{p}(y),
        \mathbf{p}(x_i))^2}

    and :math:`\{ x_1, \ldots, x_k \}` are the :math:`k` nearest points to :math:`y`
    (squared distances are clamped at ``1e-16``; no gradient flows through the
    weights).

    Args:
        x (Tensor): Node feature matrix :math:`\mathbf{X} \in \mathbb{R}^{N \times F}`.
        pos_x (Tensor): Node position matrix :math:`\in \mathbb{R}^{N \times d}`.
        pos_y (Tensor): Upsampled node position matrix :math:`\in \mathbb{R}^{M \times
            d}`.
        batch_x (LongTensor, optional): Batch vector of ``x``. (default: ``None``)
        batch_y (LongTensor, optional): Batch vector of ``y``. (default: ``None``)
        k (int, optional): Number of neighbors. (default: ``3``)
        num_workers (int): Accepted for compatibility. (default: ``1``)

    :rtype: :class:`Tensor` ``[M, F]``
    """
    _check(x, pos_x, pos_y)
    with torch.no_grad():
        y_idx, x_idx = ops.knn(pos_x, pos_y, k, batch_x=batch_x, batch_y=batch_y,
                               num_workers=num_workers)
        diff = pos_x.index_select(0, x_idx) - pos_y.index_select(0, y_idx)
        weights = 1.0 / (diff * diff).sum(dim=-1, keepdim=True).clamp(min=1e-16)
    m = pos_y.size(0)
    num = ops.scatter_sum(x.index_select(0, x_idx) * weights, y_idx, 0, m)
    return num / ops.scatter_sum(weights, y_idx, 0, m)
