r"""Regularisers from Henderson et al., "Improving Molecular Graph Neural Network
Explainability with Orthonormalization and Induced Sparsity" (ICML 2021).

``bro``: :math:`\mathcal{L}_{\mathrm{BRO}} = \| \mathbf{H}\mathbf{H}^{\top} -
\mathbf{I} \|_p` per graph, averaged; ``gini``:
:math:`\mathcal{L}^i_{\mathrm{Gini}} = \sum_{j,j'} \frac{|w_{ij} - w_{ij'}|}
{(2n^2 - n)\bar{w}_i}` per row, averaged.
"""
from typing import Union

import torch
from torch import Tensor

from ..utils import to_dense_batch

__all__ = ["bro", "gini"]


def bro(x: Tensor, batch: Tensor, p: Union[int, str] = 2) -> Tensor:
    """Batch Representation Orthogonality penalty, averaged over the graphs."""
    dense, mask = to_dense_batch(x, batch)  # [B, N, F]
    gram = dense @ dense.transpose(1, 2)
    eye = torch.diag_embed(mask.to(x.dtype))
    diff = gram - eye
    return torch.linalg.matrix_norm(diff, ord=p).mean() if isinstance(p, str) \
        else diff.flatten(1).norm(p=p, dim=-1).mean()


def gini(w: Tensor) -> Tensor:
    """Gini coefficient of each row of a 2-D tensor, averaged over the rows."""
    if w.dim() != 2:
        raise ValueError(f"gini: expected a 2-D tensor, got shape {list(w.shape)}")
    n = w.size(1)
    diff = (w.unsqueeze(2) - w.unsqueeze(1)).abs().sum(dim=(1, 2))
    return (diff / ((2 * n ** 2 - n) * w.mean(dim=1))).mean()
