r"""Top-:math:`k` pooling, from Gao & Ji, "Graph U-Nets" (ICML 2019), Cangea et al.,
"Towards Sparse Hierarchical Graph Classifiers" (2018) and Knyazev et al.,
"Understanding Attention and Generalization in Graph Neural Networks" (NeurIPS 2019).

Nodes are scored by a learnable projection :math:`\mathbf{p}`,

.. math::
    \mathbf{y} = \frac{\mathbf{X}\mathbf{p}}{\| \mathbf{p} \|}, \qquad
    \mathbf{i} = \mathrm{top}_k(\mathbf{y}), \qquad
    \mathbf{X}^{\prime} = (\mathbf{X} \odot \mathrm{tanh}(\mathbf{y}))_{\mathbf{i}},
    \qquad \mathbf{A}^{\prime} = \mathbf{A}_{\mathbf{i},\mathbf{i}}

or, with a minimal score :math:`\tilde{\alpha}`, :math:`\mathbf{y} =
\mathrm{softmax}(\mathbf{X}\mathbf{p})` and :math:`\mathbf{i} = \mathbf{y}_i >
\tilde{\alpha}`.
"""
from typing import Callable, Optional, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Parameter

from ...utils import softmax
from ..inits import uniform
from .select import _check_ratio, filter_adj, topk

__all__ = ["TopKPooling", "topk", "filter_adj"]

PoolOutput = Tuple[Tensor, Tensor, Optional[Tensor], Tensor, Tensor, Tensor]


def check_pool_args(name: str, ratio: Union[float, int], min_score: Optional[float]) -> None:
    """Validate ``ratio`` (when used) and ``min_score`` at construction time."""
    if min_score is None:
        try:
            _check_ratio(ratio)
        except (TypeError, ValueError) as err:
            raise type(err)(str(err).replace("topk:", name + ":")) from None
    elif not isinstance(min_score, (int, float)) or isinstance(min_score, bool):
        raise TypeError(f"{name}: min_score must be a float or None, got "
                        f"{type(min_score).__name__}")


def select_and_filter(x: Tensor, score: Tensor, edge_index: Tensor,
                      edge_attr: Optional[Tensor], batch: Tensor, ratio: Union[float, int],
                      min_score: Optional[float], multiplier: float) -> PoolOutput:
    """The shared tail of the top-:math:`k` poolings: select, gate, filter edges."""
    perm = topk(score, ratio, batch, min_score)
    kept_score = score.index_select(0, perm)
    out = x.index_select(0, perm) * kept_score.view(-1, 1)
    out = multiplier * out if multiplier != 1 else out
    edge_index, edge_attr = filter_adj(edge_index, edge_attr, perm, num_nodes=score.size(0))
    return out, edge_index, edge_attr, batch.index_select(0, perm), perm, kept_score


def default_batch(batch: Optional[Tensor], x: Tensor, edge_index: Tensor) -> Tensor:
    """``batch`` or all-zero (one example); checks its length."""
    if batch is None:
        return edge_index.new_zeros(x.size(0))
    if batch.dim() != 1 or batch.numel() != x.size(0):
        raise ValueError(f"batch must have one entry per node ({x.size(0)}), got shape "
                         f"{list(batch.shape)}")
    return batch


class TopKPooling(torch.nn.Module):
    r""":math:`\mathrm{top}_k` pooling operator (Gao & Ji; Cangea et al.; Knyazev et
    al.).

    If ``min_score`` :math:`\tilde{\alpha}` is ``None``:

    .. math::
        \mathbf{y} = \frac{\mathbf{X}\mathbf{p}}{\| \mathbf{p} \|}, \quad
        \mathbf{i} = \mathrm{top}_k(\mathbf{y}), \quad
        \mathbf{X}^{\prime} = (\mathbf{X} \odot \mathrm{tanh}(\mathbf{y}))_{\mathbf{i}},
        \quad \mathbf{A}^{\prime} = \mathbf{A}_{\mathbf{i},\mathbf{i}}

    If ``min_score`` :math:`\tilde{\alpha}` is a value in ``[0, 1]``:

    .. math::
        \mathbf{y} = \mathrm{softmax}(\mathbf{X}\mathbf{p}), \quad
        \mathbf{i} = \mathbf{y}_i > \tilde{\alpha}, \quad
        \mathbf{X}^{\prime} = (\mathbf{X} \odot \mathbf{y})_{\mathbf{i}}, \quad
        \mathbf{A}^{\prime} = \mathbf{A}_{\mathbf{i},\mathbf{i}}

    where nodes are dropped based on a learnable projection score :math:`\mathbf{p}`.

    Args:
        in_channels (int): Size of each input sample.
        ratio (float or int): Graph pooling ratio, used to compute
            :math:`k = \lceil \mathrm{ratio} \cdot N \rceil`, or the value of :math:`k`
            itself when ``ratio`` is an ``int``. Ignored if ``min_score`` is not
            ``None``. (default: ``0.5``)
        min_score (float, optional): Minimal node score :math:`\tilde{\alpha}`; when
            not ``None``, ``ratio`` is ignored. (default: ``None``)
        multiplier (float, optional): Coefficient by which features get multiplied
            after pooling. (default: ``1``)
        nonlinearity (callable, optional): The nonlinearity to use.
            (default: ``torch.tanh``)
    """

    def __init__(self, in_channels: int, ratio: Union[int, float] = 0.5,
                 min_score: Optional[float] = None, multiplier: float = 1.0,
                 nonlinearity: Callable = torch.tanh):
        super().__init__()
        check_pool_args("TopKPooling", ratio, min_score)
        self.in_channels = in_channels
        self.ratio = ratio
        self.min_score = min_score
        self.multiplier = multiplier
        self.nonlinearity = nonlinearity
        self.weight = Parameter(torch.empty(1, in_channels))
        self.reset_parameters()

    def reset_parameters(self):
        uniform(self.in_channels, self.weight)

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Optional[Tensor] = None,
                batch: Optional[Tensor] = None, attn: Optional[Tensor] = None
                ) -> PoolOutput:
        """Returns ``(x, edge_index, edge_attr, batch, perm, score)`` of the kept nodes
        (``score`` the gate of every kept node)."""
        batch = default_batch(batch, x, edge_index)
        attn = x if attn is None else attn
        attn = attn.unsqueeze(-1) if attn.dim() == 1 else attn
        if attn.size(-1) != self.in_channels:
            raise ValueError(f"TopKPooling: expected {self.in_channels} input channels, "
                             f"got {attn.size(-1)}")
        score = attn @ self.weight.view(-1)
        if self.min_score is None:
            score = self.nonlinearity(score / self.weight.norm(p=2, dim=-1))
        else:
            score = softmax(score, batch)
        return select_and_filter(x, score, edge_index, edge_attr, batch, self.ratio,
                                 self.min_score, self.multiplier)

    def __repr__(self) -> str:
        key, value = ("ratio", self.ratio) if self.min_score is None \
            else ("min_score", self.min_score)
        return (f"{type(self).__name__}({self.in_channels}, {key}={value}, "
                f"multiplier={self.multiplier})")
