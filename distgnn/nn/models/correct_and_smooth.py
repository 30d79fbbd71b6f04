r"""The correct and smooth (C&S) post-processing model from the `"Combining Label
Propagation And Simple Models Out-performs Graph Neural Networks"
<https://arxiv.org/abs/2010.13993>`_ paper.

Soft predictions :math:`\mathbf{Z}` of a base predictor are first *corrected* by
propagating the training residuals

.. math::
    \mathbf{e}^{(0)}_i = \begin{cases} \mathbf{y}_i - \mathbf{z}_i, & i
    \text{ is a training node} \\ \mathbf{0}, & \text{else} \end{cases} \qquad
    \mathbf{E}^{(\ell)} = \alpha_1 \mathbf{D}^{-1/2}\mathbf{A}\mathbf{D}^{-1/2}
    \mathbf{E}^{(\ell-1)} + (1 - \alpha_1) \mathbf{E}^{(\ell-1)}, \qquad
    \hat{\mathbf{Z}} = \mathbf{Z} + \gamma \cdot \mathbf{E}^{(L_1)},

and then *smoothed* by label propagation of :math:`\hat{\mathbf{Z}}` with the
training rows replaced by the true labels.
"""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from distgnn.typing import Adj, OptTensor

from .label_prop import LabelPropagation

__all__ = ["CorrectAndSmooth"]


def _num_masked(mask: Tensor) -> int:
    return int(mask.sum()) if mask.dtype == torch.bool else mask.numel()


def _dense_labels(y_true: Tensor, y_soft: Tensor, mask: Tensor, where: str) -> Tensor:
    numel = _num_masked(mask)
    if y_true.size(0) != numel:
        raise ValueError(f"CorrectAndSmooth.{where}: y_true must hold one label per "
                         f"training node ({numel}), got {y_true.size(0)}")
    if y_true.dtype == torch.long:
        y_true = F.one_hot(y_true.view(-1), y_soft.size(-1)).to(y_soft.dtype)
    return y_true


class CorrectAndSmooth(nn.Module):
    r"""The correct and smooth (C&S) post-processing model.

    Args:
        num_correction_layers (int): The number of propagations :math:`L_1`.
        correction_alpha (float): The :math:`\alpha_1` coefficient.
        num_smoothing_layers (int): The number of propagations :math:`L_2`.
        smoothing_alpha (float): The :math:`\alpha_2` coefficient.
        autoscale (bool, optional): If set to :obj:`True`, will automatically
            determine the scaling factor :math:`\gamma`. (default: :obj:`True`)
        scale (float, optional): The scaling factor :math:`\gamma`, in case
            :obj:`autoscale = False`. (default: :obj:`1.0`)
    """

    def __init__(self, num_correction_layers: int, correction_alpha: float,
                 num_smoothing_layers: int, smoothing_alpha: float,
                 autoscale: bool = True, scale: float = 1.0):
        super().__init__()
        self.autoscale = autoscale
        self.scale = scale
        self.prop1 = LabelPropagation(num_correction_layers, correction_alpha)
        self.prop2 = LabelPropagation(num_smoothing_layers, smoothing_alpha)

    def correct(self, y_soft: Tensor, y_true: Tensor, mask: Tensor, edge_index: Adj,
                edge_weight: OptTensor = None) -> Tensor:
        r"""The corrected predictions :math:`\hat{\mathbf{Z}}`.

        Args:
            y_soft (Tensor): The soft predictions :math:`\mathbf{Z}` obtained from a
                simple base predictor (rows are probability distributions).
            y_true (Tensor): The ground-truth label information :math:`\mathbf{Y}` of
                training nodes.
            mask (LongTensor or BoolTensor): A mask or index tensor denoting which
                nodes were used for training.
            edge_index (Tensor or SparseTensor): The edge connectivity.
            edge_weight (Tensor, optional): The edge weights. (default: :obj:`None`)
        """
        mean_row_sum = float(y_soft.sum()) / max(y_soft.size(0), 1)
        if abs(mean_row_sum - 1.0) >= 1e-2:
            raise ValueError(f"CorrectAndSmooth.correct: y_soft must hold probabilities "
                             f"(rows summing to 1), got a mean row sum of {mean_row_sum:.4f}")
        numel = _num_masked(mask)
        y_true = _dense_labels(y_true, y_soft, mask, "correct")

        error = torch.zeros_like(y_soft)
        error[mask] = y_true - y_soft[mask]

        if self.autoscale:
            smoothed_error = self.prop1(error, edge_index, edge_weight=edge_weight,
                                        post_step=lambda x: x.clamp_(-1.0, 1.0))
            sigma = error[mask].abs().sum() / numel
            scale = sigma / smoothed_error.abs().sum(dim=1, keepdim=True)
            scale[scale.isinf() | (scale > 1000)] = 1.0
            return y_soft + scale * smoothed_error

        def fix_input(x: Tensor) -> Tensor:
            x[mask] = error[mask]
            return x

        smoothed_error = self.prop1(error, edge_index, edge_weight=edge_weight,
                                    post_step=fix_input)
        return y_soft + self.scale * smoothed_error

    def smooth(self, y_soft: Tensor, y_true: Tensor, mask: Tensor, edge_index: Adj,
               edge_weight: OptTensor = None) -> Tensor:
        r"""Label propagation of ``y_soft`` with the training rows set to ``y_true``
        (``y_soft`` is left unchanged)."""
        y_true = _dense_labels(y_true, y_soft, mask, "smooth")
        y_soft = y_soft.clone()
        y_soft[mask] = y_true
        return self.prop2(y_soft, edge_index, edge_weight=edge_weight)

    def __repr__(self) -> str:
        L1, alpha1 = self.prop1.num_layers, self.prop1.alpha
        L2, alpha2 = self.prop2.num_layers, self.prop2.alpha
        return (f"{type(self).__name__}(\n"
                f"    correct: num_layers={L1}, alpha={alpha1}\n"
                f"    smooth:  num_layers={L2}, alpha={alpha2}\n"
                f"    autoscale={self.autoscale}, scale={self.scale}\n"
                ")")
