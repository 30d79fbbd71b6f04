r"""MinCut pooling, from Bianchi et al., "Spectral Clustering with Graph Neural
Networks for Graph Pooling" (ICML 2020).

.. math::
    \mathbf{X}^{\prime} = {\mathrm{softmax}(\mathbf{S})}^{\top} \cdot \mathbf{X},
    \qquad
    \mathbf{A}^{\prime} = {\mathrm{softmax}(\mathbf{S})}^{\top} \cdot \mathbf{A}
    \cdot \mathrm{softmax}(\mathbf{S})

with the minCUT loss :math:`-\mathrm{Tr}(\mathbf{S}^{\top}\mathbf{A}\mathbf{S}) /
\mathrm{Tr}(\mathbf{S}^{\top}\mathbf{D}\mathbf{S})` and the orthogonality loss
:math:`\| \mathbf{S}^{\top}\mathbf{S} / \|\mathbf{S}^{\top}\mathbf{S}\|_F -
\mathbf{I}_C / \sqrt{C} \|_F`.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from .diff_pool import _assignments

__all__ = ["dense_mincut_pool"]

EPS = 1e-15


def _trace(a: Tensor) -> Tensor:
    return torch.diagonal(a, dim1=-2, dim2=-1).sum(-1)


def dense_mincut_pool(x: Tensor, adj: Tensor, s: Tensor, mask: Optional[Tensor] = None
                      ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""MinCut pooling operator (Bianchi et al., ICML 2020).

    .. math::
        \mathbf{X}^{\prime} = {\mathrm{softmax}(\mathbf{S})}^{\top} \cdot \mathbf{X},
        \qquad
        \mathbf{A}^{\prime} = {\mathrm{softmax}(\mathbf{S})}^{\top} \cdot \mathbf{A}
        \cdot \mathrm{softmax}(\mathbf{S})

    based on dense learned assignments :math:`\mathbf{S} \in \mathbb{R}^{B \times N
    \times C}`. Returns the pooled node features, the coarsened symmetrically
    normalised adjacency (zero diagonal,
    :math:`\mathbf{D}^{-1/2}\mathbf{A}^{\prime}\mathbf{D}^{-1/2}`) and two auxiliary
    objectives, both averaged over the batch: the minCUT loss

    .. math::
        \mathcal{L}_c = - \frac{\mathrm{Tr}(\mathbf{S}^{\top} \mathbf{A} \mathbf{S})}
        {\mathrm{Tr}(\mathbf{S}^{\top} \mathbf{D} \mathbf{S})}

    where :math:`\mathbf{D}` is the degree matrix, and the orthogonality loss

    .. math::
        \mathcal{L}_o = {\left\| \frac{\mathbf{S}^{\top} \mathbf{S}}
        {{\|\mathbf{S}^{\top} \mathbf{S}\|}_F} -\frac{\mathbf{I}_C}{\sqrt{C}}
        \right\|}_F.

    Args:
        x (Tensor): Node features :math:`\mathbf{X} \in \mathbb{R}^{B \times N \times
            F}` (or ``[N, F]``).
        adj (Tensor): Symmetrically normalised adjacency
            :math:`\mathbf{A} \in \mathbb{R}^{B \times N \times N}`.
        s (Tensor): Assignment :math:`\mathbf{S} \in \mathbb{R}^{B \times N \times C}`;
            the softmax is applied inside.
        mask (BoolTensor, optional): Mask :math:`\mathbf{M} \in {\{ 0, 1 \}}^{B \times
            N}` of the valid nodes of every graph. (default: ``None``)

    :rtype: (:class:`Tensor`, :class:`Tensor`, :class:`Tensor`, :class:`Tensor`)
    """
    x, adj, s = _assignments("dense_mincut_pool", x, adj, s, mask)
    k = s.size(-1)
    s_t = s.transpose(1, 2)
    out = torch.matmul(s_t, x)
    out_adj = torch.matmul(torch.matmul(s_t, adj), s)

    # minCUT: Tr(S^T A S) / Tr(S^T D S), with Tr(S^T D S) = sum_n d_n |s_n|^2
    degree = adj.sum(dim=-1)
    cut_den = (degree * (s * s).sum(dim=-1)).sum(dim=-1)
    mincut_loss = torch.mean(-(_trace(out_adj) / cut_den))

    # orthogonality: || S^T S / ||S^T S||_F - I / sqrt(C) ||_F
    ss = torch.matmul(s_t, s)
    eye = torch.eye(k, dtype=ss.dtype, device=ss.device)
    diff = ss / torch.norm(ss, dim=(-1, -2), keepdim=True) - eye / torch.norm(eye)
    ortho_loss = torch.mean(torch.norm(diff, dim=(-1, -2)))

    # coarsened adjacency: zero diagonal, then D^-1/2 A' D^-1/2
    out_adj = out_adj * (1.0 - eye)
    d = torch.sqrt(out_adj.sum(dim=-1))[:, None] + EPS
    out_adj = (out_adj / d) / d.transpose(1, 2)
    return out, out_adj, mincut_loss, ortho_loss
