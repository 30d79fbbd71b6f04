r"""DenseGINConv: :class:`~distgnn.nn.conv.GINConv` on dense (batched) adjacency
matrices.

.. math::
    \mathbf{X}^{\prime} = h_{\mathbf{\Theta}} \left( \mathbf{A} \mathbf{X} +
    (1 + \epsilon) \mathbf{X} \right)

(the :math:`(1 + \epsilon) \mathbf{X}` term is dropped when ``add_loop=False``).
"""
from typing import Callable, Optional

import torch
from torch import Tensor

from ..inits import reset
from ._common import apply_mask, batched

__all__ = ["DenseGINConv"]


class DenseGINConv(torch.nn.Module):
    r"""See :class:`distgnn.nn.conv.GINConv`; operates on dense adjacency tensors.

    Args:
        nn (torch.nn.Module): The neural network :math:`h_{\mathbf{\Theta}}`.
        eps (float, optional): Initial :math:`\epsilon`. (default: ``0.``)
        train_eps (bool, optional): If ``True``, :math:`\epsilon` is trainable.
            (default: ``False``)
    """

    def __init__(self, nn: Callable, eps: float = 0.0, train_eps: bool = False):
        super().__init__()
        self.nn = nn
        self.initial_eps = eps
        if train_eps:
            self.eps = torch.nn.Parameter(torch.tensor([float(eps)]))
        else:
            self.register_buffer("eps", torch.tensor([float(eps)]))
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.nn)
        self.eps.data.fill_(self.initial_eps)

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
            add_loop (bool, optional): If ``False``, do not add the
                :math:`(1 + \epsilon) \mathbf{X}` self term. (default: ``True``)
        """
        x, adj, _, _ = batched("DenseGINConv", x, adj, mask)
        out = torch.matmul(adj, x)
        if add_loop:
            out = out + (1 + self.eps) * x
        return apply_mask(self.nn(out), mask)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(nn={self.nn})"
