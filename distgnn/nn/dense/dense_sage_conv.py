r"""DenseSAGEConv: :class:`~distgnn.nn.conv.SAGEConv` on dense (batched) binary
adjacency matrices.

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{W}_1 \mathbf{x}_i + \mathbf{W}_2 \cdot
    \mathrm{mean}_{j : A_{ij} = 1} \mathbf{x}_j
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Linear

from ._common import apply_mask, batched

__all__ = ["DenseSAGEConv"]


class DenseSAGEConv(torch.nn.Module):
    r"""See :class:`distgnn.nn.conv.SAGEConv`; operates on dense adjacency tensors.

    .. note::
        Expects binary adjacency matrices; use
        :class:`~distgnn.nn.dense.DenseGraphConv` for weighted ones.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        normalize (bool, optional): :math:`\ell_2`-normalise the output.
            (default: ``False``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
    """

    def __init__(self, in_channels: int, out_channels: int, normalize: bool = False,
                 bias: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.normalize = normalize
        self.lin_rel = Linear(in_channels, out_channels, bias=False)
        self.lin_root = Linear(in_channels, out_channels, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin_rel.reset_parameters()
        self.lin_root.reset_parameters()

    def forward(self, x: Tensor, adj: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        r"""
        Args:
            x (Tensor): Node features :math:`\mathbf{X} \in \mathbb{R}^{B \times N \times
                F}` (or ``[N, F]``).
            adj (Tensor): Adjacency :math:`\mathbf{A} \in \mathbb{R}^{B \times N \times
                N}`, broadcastable in the batch dimension.
            mask (BoolTensor, optional): Valid nodes :math:`\mathbf{M} \in \{0, 1\}^{B
                \times N}`. (default: ``None``)
        """
        x, adj, _, _ = batched("DenseSAGEConv", x, adj, mask)
        out = torch.matmul(adj, x) / adj.sum(dim=-1, keepdim=True).clamp(min=1)
        out = self.lin_rel(out) + self.lin_root(x)
        if self.normalize:
            out = F.normalize(out, p=2.0, dim=-1)
        return apply_mask(out, mask)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
