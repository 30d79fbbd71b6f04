r"""Path integral based pooling, from Ma et al., "Path Integral Based Convolution and
Pooling for Graph Neural Networks" (NeurIPS 2020).

Top-:math:`k` pooling whose node importance combines the node features and the
maximal entropy transition (MET) matrix :math:`\mathbf{M}` of :class:`PANConv`:

.. math::
    \mathrm{score} = \beta_1 \mathbf{X} \cdot \mathbf{p} + \beta_2
    \mathrm{deg}(\mathbf{M})
"""
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import SparseTensor
from ...utils import softmax
from .select import filter_adj, topk
from .topk_pool import PoolOutput, check_pool_args

__all__ = ["PANPooling"]


def _coo(M: SparseTensor, dtype: torch.dtype) -> Tuple[Tensor, Tensor, Tensor]:
    row, col, value = M.coo()
    if value is None:
        value = torch.ones(row.numel(), dtype=dtype, device=row.device)
    return row, col, value


class PANPooling(torch.nn.Module):
    r"""The path integral based pooling operator (Ma et al., NeurIPS 2020): top-:math:`k`
    pooling where global node importance is measured from node features and the MET
    matrix,

    .. math::
        {\rm score} = \beta_1 \mathbf{X} \cdot \mathbf{p} + \beta_2 {\rm deg}(M)

    (:math:`{\rm deg}(M)` summing, for every node, the entries of :math:`M` over the
    paths leaving it), passed through ``nonlinearity`` (or a per-example softmax when
    ``min_score`` is given).

    Args:
        in_channels (int): Size of each input sample.
        ratio (float): Graph pooling ratio, used to compute
            :math:`k = \lceil \mathrm{ratio} \cdot N \rceil`. Ignored if ``min_score``
            is not ``None``. (default: ``0.5``)
        min_score (float, optional): Minimal node score :math:`\tilde{\alpha}`; when
            not ``None``, ``ratio`` is ignored. (default: ``None``)
        multiplier (float, optional): Coefficient by which features get multiplied
            after pooling. (default: ``1.0``)
        nonlinearity (callable, optional): The nonlinearity to use.
            (default: ``torch.tanh``)
    """

    def __init__(self, in_channels: int, ratio: float = 0.5, min_score: Optional[float] = None,
                 multiplier: float = 1.0, nonlinearity: Callable = torch.tanh):
        super().__init__()
        check_pool_args("PANPooling", ratio, min_score)
        self.in_channels = in_channels
        self.ratio = ratio
        self.min_score = min_score
        self.multiplier = multiplier
        self.nonlinearity = nonlinearity
        self.p = Parameter(torch.empty(in_channels))
        self.beta = Parameter(torch.empty(2))
        self.reset_parameters()

    def reset_parameters(self):
        self.p.data.fill_(1.0)
        self.beta.data.fill_(0.5)

    def forward(self, x: Tensor, M: SparseTensor, batch: Optional[Tensor] = None
                ) -> PoolOutput:
        """Pools with the MET matrix ``M`` returned by :class:`PANConv` (target by
        source). Returns ``(x, edge_index, edge_attr, batch, perm, score)``:
        ``edge_index`` (source, target) and ``edge_attr`` the entries of ``M`` between
        kept nodes."""
        n = x.size(0)
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"PANPooling: x must have shape [N, {self.in_channels}], got "
                             f"{list(x.shape)}")
        if not isinstance(M, SparseTensor) or M.sparse_size(0) != n or M.sparse_size(1) != n:
            got = list(M.sizes()) if isinstance(M, SparseTensor) else type(M).__name__
            raise ValueError(f"PANPooling: M must be an [{n}, {n}] SparseTensor, got {got}")
        if batch is None:
            batch = torch.zeros(n, dtype=torch.long, device=x.device)
        row, col, weight = _coo(M, x.dtype)
        score = self.beta[0] * (x * self.p).sum(dim=-1) \
            + self.beta[1] * ops.scatter_sum(weight, col, 0, n)
        if self.min_score is None:
            score = self.nonlinearity(score)
        else:
            score = softmax(score, batch)
        perm = topk(score, self.ratio, batch, self.min_score)
        out = x[perm] * score[perm].view(-1, 1)
        out = self.multiplier * out if self.multiplier != 1 else out
        edge_index, edge_attr = filter_adj(torch.stack([col, row], dim=0), weight, perm,
                                           num_nodes=n)
        return out, edge_index, edge_attr, batch[perm], perm, score[perm]

    def __repr__(self) -> str:
        key, value = ("ratio", self.ratio) if self.min_score is None \
            else ("min_score", self.min_score)
        return (f"{type(self).__name__}({self.in_channels}, {key}={value}, "
                f"multiplier={self.multiplier})")
