r"""Memory-based pooling, from Khasahmadi et al., "Memory-Based Graph Networks"
(ICLR 2020).

Soft cluster assignments against :math:`K` learnable keys per head,

.. math::
    S_{i,j}^{(h)} = \frac{(1 + \| \mathbf{x}_i - \mathbf{k}^{(h)}_j \|^2 / \tau)^{
    -\frac{1+\tau}{2}}}{\sum_{k=1}^K (1 + \| \mathbf{x}_i - \mathbf{k}^{(h)}_k \|^2 /
    \tau)^{-\frac{1+\tau}{2}}}, \qquad
    \mathbf{S} = \textrm{softmax}(\textrm{Conv2d}(\Vert_{h=1}^H \mathbf{S}^{(h)})),
    \qquad \mathbf{X}^{\prime} = \mathbf{S}^{\top} \mathbf{X} \mathbf{W}.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor
from torch.nn import Conv2d, KLDivLoss, Linear, Parameter

from ...utils import to_dense_batch

__all__ = ["MemPooling"]

EPS = 1e-15


class MemPooling(torch.nn.Module):
    r"""Memory based pooling layer (Khasahmadi et al., ICLR 2020), which learns a
    coarsened graph representation based on soft cluster assignments

    .. math::
        S_{i,j}^{(h)} = \frac{(1+\| \mathbf{x}_i-\mathbf{k}^{(h)}_j \|^2 / \tau)^{
        -\frac{1+\tau}{2}}}{\sum_{k=1}^K (1 + \| \mathbf{x}_i-\mathbf{k}^{(h)}_k \|^2 /
        \tau)^{-\frac{1+\tau}{2}}}

    .. math::
        \mathbf{S} = \textrm{softmax}(\textrm{Conv2d}(\Vert_{h=1}^H \mathbf{S}^{(h)}))
        \in \mathbb{R}^{N \times K}, \qquad
        \mathbf{X}^{\prime} = \mathbf{S}^{\top} \mathbf{X} \mathbf{W} \in
        \mathbb{R}^{K \times F^{\prime}}

    where :math:`H` is the number of heads and :math:`K` the number of clusters.

    Args:
        in_channels (int): Size of each input sample :math:`F`.
        out_channels (int): Size of each output sample :math:`F^{\prime}`.
        heads (int): The number of heads :math:`H`.
        num_clusters (int): The number of clusters :math:`K`.
        tau (float, optional): The temperature :math:`\tau`. (default: ``1.``)
    """

    def __init__(self, in_channels: int, out_channels: int, heads: int, num_clusters: int,
                 tau: float = 1.0):
        super().__init__()
        for name, value in (("heads", heads), ("num_clusters", num_clusters)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"MemPooling: {name} must be a positive int, got {value!r}")
        if not float(tau) > 0.0:
            raise ValueError(f"MemPooling: tau must be positive, got {tau}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = heads
        self.num_clusters = num_clusters
        self.tau = tau
        self.k = Parameter(torch.empty(heads, num_clusters, in_channels))
        self.conv = Conv2d(heads, 1, kernel_size=1, padding=0, bias=False)
        self.lin = Linear(in_channels, out_channels, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        torch.nn.init.uniform_(self.k.data, -1.0, 1.0)
        self.conv.reset_parameters()
        self.lin.reset_parameters()

    @staticmethod
    def kl_loss(S: Tensor) -> Tensor:
        r"""The additional KL divergence-based loss

        .. math::
            P_{i,j} = \frac{S_{i,j}^2 / \sum_{n=1}^N S_{n,j}}{\sum_{k=1}^K S_{i,k}^2 /
            \sum_{n=1}^N S_{n,k}}, \qquad
            \mathcal{L}_{\textrm{KL}} = \textrm{KLDiv}(\mathbf{P} \Vert \mathbf{S})

        averaged over the batch (``S`` is ``[B, N, K]``; rows of padded nodes give no
        loss)."""
        p = S * S / S.sum(dim=1, keepdim=True)
        denom = p.sum(dim=2, keepdim=True)
        denom = denom.masked_fill(S.sum(dim=2, keepdim=True) == 0.0, 1.0)
        p = p / denom
        loss = KLDivLoss(reduction="batchmean", log_target=False)
        return loss(S.clamp(EPS).log(), p.clamp(EPS))

    def forward(self, x: Tensor, batch: Optional[Tensor] = None,
                mask: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        r"""Returns the pooled features ``[B, K, F']`` and the assignment ``S``
        ``[B, N, K]``.

        Args:
            x (Tensor): Sparse ``[N, F]`` or dense ``[B, N, F]`` node features.
            batch (LongTensor, optional): Batch vector of sparse node features.
                (default: ``None``)
            mask (BoolTensor, optional): ``[B, N]`` mask of the valid nodes of dense
                node features. (default: ``None``)
        """
        if x.dim() <= 2:
            x, mask = to_dense_batch(x, batch)
        elif mask is None:
            mask = x.new_ones((x.size(0), x.size(1)), dtype=torch.bool)
        if x.dim() != 3 or x.size(-1) != self.in_channels:
            raise ValueError(f"MemPooling: expected node features with {self.in_channels} "
                             f"channels, got shape {list(x.shape)}")
        b, n, _ = x.size()
        h, k = self.heads, self.num_clusters
        dist = torch.cdist(self.k.view(h * k, -1), x.reshape(b * n, -1), p=2) ** 2
        kernel = (1.0 + dist / self.tau).pow(-(self.tau + 1.0) / 2.0)
        kernel = kernel.view(h, k, b, n).permute(2, 0, 3, 1)  # [B, H, N, K]
        s = kernel / kernel.sum(dim=-1, keepdim=True)
        s = self.conv(s).squeeze(dim=1).softmax(dim=-1)  # [B, N, K]
        s = s * mask.view(b, n, 1).to(s.dtype)
        return self.lin(s.transpose(1, 2) @ x), s

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"heads={self.heads}, num_clusters={self.num_clusters})")
