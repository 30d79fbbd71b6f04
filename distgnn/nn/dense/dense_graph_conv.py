r"""DenseGraphConv: :class:`~distgnn.nn.conv.GraphConv` on dense (batched), possibly
weighted adjacency matrices.

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{\Theta}_1 \mathbf{x}_i + \mathbf{\Theta}_2
    \square_{j : A_{ij} \neq 0} A_{ij} \cdot \mathbf{x}_j

with :math:`\square` the sum, mean (divided by :math:`\max(1, \sum_j A_{ij})`) or max
(0 for nodes without neighbours).
"""
from typing import Optional

import torch
from torch import Tensor
from torch.nn import Linear

from ._common import apply_mask, batched

__all__ = ["DenseGraphConv"]


class DenseGraphConv(torch.nn.Module):
    r"""See :class:`distgnn.nn.conv.GraphConv`; operates on dense adjacency tensors.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        aggr (string, optional): The aggregation scheme (``"add"``, ``"mean"``,
            ``"max"``). (default: ``"add"``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
    """

    def __init__(self, in_channels: int, out_channels: int, aggr: str = "add",
                 bias: bool = True):
        super().__init__()
        if aggr not in ("add", "mean", "max"):
            raise ValueError(f"DenseGraphConv: aggr must be one of ('add', 'mean', 'max'), "
                             f"got {aggr!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.aggr = aggr
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
        x, adj, _, _ = batched("DenseGraphConv", x, adj, mask)
        if self.aggr == "max":
            weighted = adj.unsqueeze(-1) * x.unsqueeze(-3)  # [B, N_i, N_j, F]
            present = (adj != 0).unsqueeze(-1)
            out = weighted.masked_fill(~present, float("-inf")).max(dim=-2).values
            out = out.masked_fill(~present.any(dim=-2), 0.0)
        else:
            out = torch.matmul(adj, x)
            if self.aggr == "mean":
                out = out / adj.sum(dim=-1, keepdim=True).clamp(min=1)
        out = self.lin_rel(out) + self.lin_root(x)
        return apply_mask(out, mask)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
