r"""Differentiable pooling, from Ying et al., "Hierarchical Graph Representation
Learning with Differentiable Pooling" (NeurIPS 2018).

.. math::
    \mathbf{X}^{\prime} = {\mathrm{softmax}(\mathbf{S})}^{\top} \cdot \mathbf{X},
    \qquad
    \mathbf{A}^{\prime} = {\mathrm{softmax}(\mathbf{S})}^{\top} \cdot \mathbf{A}
    \cdot \mathrm{softmax}(\mathbf{S})

with the auxiliary link prediction loss :math:`\| \mathbf{A} -
\mathrm{softmax}(\mathbf{S}) {\mathrm{softmax}(\mathbf{S})}^{\top} \|_F` and the mean
entropy of the cluster assignments.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from ._common import batched

__all__ = ["dense_diff_pool"]

EPS = 1e-15


def _assignments(name: str, x: Tensor, adj: Tensor, s: Tensor, mask: Optional[Tensor]
                 ) -> Tuple[Tensor, Tensor, Tensor]:
    """Batched ``x``, ``adj`` and the masked soft assignment ``softmax(s)``."""
    x, adj, b, n = batched(name, x, adj, mask)
    s = s.unsqueeze(0) if s.dim() == 2 else s
    if s.dim() != 3 or s.size(1) != n or s.size(0) not in (1, b):
        raise ValueError(f"{name}: s must have shape [B, N, C] with N = {n}, got "
                         f"{list(s.shape)}")
    s = torch.softmax(s, dim=-1)
    if mask is not None:
        m = mask.view(mask.size(0), n, 1).to(x.dtype)
        x, s = x * m, s * m
    return x, adj, s


def dense_diff_pool(x: Tensor, adj: Tensor, s: Tensor, mask: Optional[Tensor] = None
                    ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""Differentiable pooling operator (Ying et al., NeurIPS 2018).

    .. math::
        \mathbf{X}^{\prime} = {\mathrm{softmax}(\mathbf{S})}^{\top} \cdot \mathbf{X},
        \qquad
        \mathbf{A}^{\prime} = {\mathrm{softmax}(\mathbf{S})}^{\top} \cdot \mathbf{A}
        \cdot \mathrm{softmax}(\mathbf{S})

    based on dense learned assignments :math:`\mathbf{S} \in \mathbb{R}^{B \times N
    \times C}`. Returns the pooled node features, the coarsened adjacency and two
    auxiliary objectives: the link prediction loss

    .. math::
        \mathcal{L}_{LP} = {\| \mathbf{A} - \mathrm{softmax}(\mathbf{S})
        {\mathrm{softmax}(\mathbf{S})}^{\top} \|}_F

    divided by the number of entries of :math:`\mathbf{A}` (:math:`B \cdot N^2`), and
    the entropy regularisation :math:`\mathcal{L}_E = \frac{1}{N} \sum_{n=1}^N
    H(\mathbf{S}_n)` (averaged over all ``B * N`` rows, masked rows count as zero).

    Args:
        x (Tensor): Node features :math:`\mathbf{X} \in \mathbb{R}^{B \times N \times
            F}` (or ``[N, F]``).
        adj (Tensor): Adjacency :math:`\mathbf{A} \in \mathbb{R}^{B \times N \times N}`.
        s (Tensor): Assignment :math:`\mathbf{S} \in \mathbb{R}^{B \times N \times C}`;
            the softmax is applied inside.
        mask (BoolTensor, optional): Mask :math:`\mathbf{M} \in {\{ 0, 1 \}}^{B \times
            N}` of the valid nodes of every graph. (default: ``None``)

    :rtype: (:class:`Tensor`, :class:`Tensor`, :class:`Tensor`, :class:`Tensor`)
    """
    x, adj, s = _assignments("dense_diff_pool", x, adj, s, mask)
    s_t = s.transpose(1, 2)
    out = torch.matmul(s_t, x)
    out_adj = torch.matmul(torch.matmul(s_t, adj), s)
    link_loss = torch.norm(adj - torch.matmul(s, s_t), p=2) / adj.numel()
    ent_loss = (-s * torch.log(s + EPS)).sum(dim=-1).mean()
    return out, out_adj, link_loss, ent_loss
