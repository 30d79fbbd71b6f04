r"""The label propagation operator from the `"Learning from Labeled and
Unlabeled Data with Label Propagation"
<http://mlg.eng.cam.ac.uk/zoubin/papers/CMU-CALD-02-107.pdf>`_ paper.

.. math::
    \mathbf{Y}^{\prime} = \alpha \cdot \mathbf{D}^{-1/2} \mathbf{A}
    \mathbf{D}^{-1/2} \mathbf{Y} + (1 - \alpha) \mathbf{Y},

repeated ``num_layers`` times, where :math:`\mathbf{Y}` holds the (one-hot)
labels of the labeled nodes and zeros elsewhere.
"""
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from distgnn import ops
from distgnn.nn.conv.gcn_conv import gcn_norm
from distgnn.nn.conv.message_passing import MessagePassing
from distgnn.typing import Adj, OptTensor, SparseTensor

__all__ = ["LabelPropagation"]


def _clamp01(y: Tensor) -> Tensor:
    return y.clamp_(0.0, 1.0)


class LabelPropagation(MessagePassing):
    r"""The label propagation operator

    .. math::
        \mathbf{Y}^{\prime} = \alpha \cdot \mathbf{D}^{-1/2} \mathbf{A}
        \mathbf{D}^{-1/2} \mathbf{Y} + (1 - \alpha) \mathbf{Y},

    where unlabeled data is inferred by labeled data via propagation.

    Args:
        num_layers (int): The number of propagations.
        alpha (float): The :math:`\alpha` coefficient.
    """

    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}
    fuse_edge_index = True

    def __init__(self, num_layers: int, alpha: float):
        super().__init__(aggr="add")
        if not isinstance(num_layers, int) or num_layers < 0:
            raise ValueError(f"LabelPropagation: num_layers must be a non-negative int, "
                             f"got {num_layers!r}")
        self.num_layers = num_layers
        self.alpha = alpha

    @torch.no_grad()
    def forward(self, y: Tensor, edge_index: Adj, mask: Optional[Tensor] = None,
                edge_weight: OptTensor = None,
                post_step: Callable[[Tensor], Tensor] = _clamp01) -> Tensor:
        r"""Propagates ``y`` (class indices, one-hot encoded first, or a dense
        ``[N, C]`` matrix), keeping only the rows in ``mask`` (bool or index) as
        the initial labels. Without ``edge_weight`` the adjacency is normalized as
        :math:`\mathbf{D}^{-1/2}\mathbf{A}\mathbf{D}^{-1/2}`; given weights are used
        as they are. ``post_step`` is applied after every propagation
        (default: clamp to :math:`[0, 1]`)."""
        if y.dtype == torch.long:
            y = F.one_hot(y.view(-1)).to(torch.float)
        out = y
        if mask is not None:
            out = torch.zeros_like(y)
            out[mask] = y[mask]

        if isinstance(edge_index, SparseTensor) and not edge_index.has_value():
            edge_index = gcn_norm(edge_index, add_self_loops=False)
        elif isinstance(edge_index, Tensor) and edge_weight is None:
            edge_index, edge_weight = gcn_norm(edge_index, num_nodes=y.size(0),
                                               add_self_loops=False, dtype=y.dtype)

        res = (1 - self.alpha) * out
        for _ in range(self.num_layers):
            out = self.propagate(edge_index, x=out, edge_weight=edge_weight, size=None)
            out.mul_(self.alpha).add_(res)
            out = post_step(out)
        return out

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce=self.aggr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_layers={self.num_layers}, alpha={self.alpha})"
