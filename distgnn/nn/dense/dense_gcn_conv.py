r"""DenseGCNConv: :class:`~distgnn.nn.conv.GCNConv` on dense (batched) adjacency
matrices.

.. math::
    \mathbf{X}^{\prime} = \mathbf{\hat{D}}^{-1/2} \mathbf{\hat{A}}
    \mathbf{\hat{D}}^{-1/2} \mathbf{X} \mathbf{\Theta} + \mathbf{b},

with :math:`\mathbf{\hat{A}}` the adjacency whose diagonal is set to 1 (2 when
``improved``) and :math:`\hat{D}_{ii} = \max(1, \sum_j \hat{A}_{ij})`.
"""
from typing import Optional

import torch
from torch import Tensor
from torch.nn import Parameter

from ..inits import glorot, zeros
from ._common import apply_mask, batched

__all__ = ["DenseGCNConv"]


class DenseGCNConv(torch.nn.Module):
    r"""See :class:`distgnn.nn.conv.GCNConv`; operates on dense adjacency tensors.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        improved (bool, optional): If ``True``, :math:`\mathbf{\hat{A}} = \mathbf{A} +
            2\mathbf{I}`. (default: ``False``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
    """

    def __init__(self, in_channels: int, out_channels: int, improved: bool = False,
                 bias: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.improved = improved
        self.weight = Parameter(torch.empty(in_channels, out_channels))
        if bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.weight)
        zeros(self.bias)

    def forward(self, x: Tensor, adj: Tensor, mask: Optional[Tensor] = None,
                add_loop: bool = True) -> Tensor:
        r"""
        Args:
            x (Tensor): Node features :math:`\mathbf{X} \in \mathbb{R}^{B \times N \times
                F}` (or ``[N, F]``).
            adj (Tensor): Adjacency :math:`\mathbf{A} \in \mathbb{R}^{B \times N \times
                N}`, broadcastable in the batch dimension.
            mask (BoolTensor, optional): Valid nodes :math:`\mathbf{M} \in \{0, 1\}^{B
                \times N}`. (default: ``None``)
            add_loop (bool, optional): If ``False``, do not add self-loops.
                (default: ``True``)

        Returns:
            Tensor ``[B, N, out_channels]``.
        """
        x, adj, _, n = batched("DenseGCNConv", x, adj, mask)
        if add_loop:
            adj = adj.clone()
            idx = torch.arange(n, device=adj.device)
            adj[:, idx, idx] = 2.0 if self.improved else 1.0
        deg_inv_sqrt = adj.sum(dim=-1).clamp(min=1).pow(-0.5)
        norm_adj = deg_inv_sqrt.unsqueeze(-1) * adj * deg_inv_sqrt.unsqueeze(-2)
        out = torch.matmul(norm_adj, torch.matmul(x, self.weight))
        if self.bias is not None:
            out = out + self.bias
        return apply_mask(out, mask)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
