r"""AGNNConv, from Thekumparampil et al., "Attention-based Graph Neural Network for
Semi-Supervised Learning" (2018).

.. math::
    \mathbf{X}^{\prime} = \mathbf{P} \mathbf{X}, \qquad
    P_{i,j} = \frac{\exp( \beta \cdot \cos(\mathbf{x}_i, \mathbf{x}_j))}
    {\sum_{k \in \mathcal{N}(i)\cup \{ i \}} \exp( \beta \cdot
    \cos(\mathbf{x}_i, \mathbf{x}_k))}
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import Adj, OptTensor
from ...utils import add_self_loops, remove_self_loops, softmax
from .message_passing import MessagePassing

__all__ = ["AGNNConv"]


class AGNNConv(MessagePassing):
    r"""The attention-based propagation layer (Thekumparampil et al., 2018).

    .. math::
        \mathbf{X}^{\prime} = \mathbf{P} \mathbf{X}, \qquad
        P_{i,j} = \frac{\exp( \beta \cdot \cos(\mathbf{x}_i, \mathbf{x}_j))}
        {\sum_{k \in \mathcal{N}(i)\cup \{ i \}} \exp( \beta \cdot
        \cos(\mathbf{x}_i, \mathbf{x}_k))}

    with a trainable temperature :math:`\beta`.

    Args:
        requires_grad (bool, optional): If ``False``, :math:`\beta` is fixed to 1.
            (default: ``True``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "x_norm": "Tensor"}

    def __init__(self, requires_grad: bool = True, add_self_loops: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.requires_grad = requires_grad
        self.add_self_loops = add_self_loops
        if requires_grad:
            self.beta = Parameter(torch.empty(1))
        else:
            self.register_buffer("beta", torch.ones(1))
        self.reset_parameters()

    def reset_parameters(self):
        if self.requires_grad:
            self.beta.data.fill_(1.0)

    def forward(self, x: Tensor, edge_index: Adj) -> Tensor:
        if self.add_self_loops:
            if isinstance(edge_index, Tensor):
                edge_index, _ = remove_self_loops(edge_index)
                edge_index, _ = add_self_loops(edge_index,
                                               num_nodes=x.size(self.node_dim))
            else:
                edge_index = ops.set_diag(edge_index)
        x_norm = F.normalize(x, p=2.0, dim=-1)
        return self.propagate(edge_index, x=x, x_norm=x_norm, size=None)

    def message(self, x_j: Tensor, x_norm_i: Tensor, x_norm_j: Tensor, index: Tensor,
                ptr: OptTensor, size_i: Optional[int]) -> Tensor:
        alpha = self.beta * (x_norm_i * x_norm_j).sum(dim=-1)
        alpha = softmax(alpha, index, ptr, size_i)
        return x_j * alpha.view(-1, 1)
