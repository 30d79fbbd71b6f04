r"""FeaStConv, from Verma et al., "FeaStNet: Feature-Steered Graph Convolutions for
3D Shape Analysis" (CVPR 2018).

.. math::
    \mathbf{x}^{\prime}_i = \frac{1}{|\mathcal{N}(i)|} \sum_{j \in \mathcal{N}(i)}
    \sum_{h=1}^H q_h(\mathbf{x}_i, \mathbf{x}_j) \mathbf{W}_h \mathbf{x}_j,
    \qquad q_h(\mathbf{x}_i, \mathbf{x}_j) = \mathrm{softmax}_h
    (\mathbf{u}_h^{\top} (\mathbf{x}_j - \mathbf{x}_i) + c_h)

(the soft assignment of every neighbour is normalised over the :math:`H` heads).
Both :math:`\mathbf{W}_h \mathbf{x}_j` and :math:`\mathbf{u}_h^{\top}
\mathbf{x}` are formed once per node; edges only gather and combine them.
"""
from typing import Union

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import Adj, OptTensor, PairTensor
from ..inits import normal
from .message_passing import MessagePassing
from .point_conv import with_self_loops

__all__ = ["FeaStConv"]


class FeaStConv(MessagePassing):
    r"""The (translation-invariant) feature-steered convolutional operator
    (Verma et al., CVPR 2018).

    .. math::
        \mathbf{x}^{\prime}_i = \frac{1}{|\mathcal{N}(i)|} \sum_{j \in \mathcal{N}(i)}
        \sum_{h=1}^H q_h(\mathbf{x}_i, \mathbf{x}_j) \mathbf{W}_h \mathbf{x}_j + \mathbf{b}

    with :math:`q_h(\mathbf{x}_i, \mathbf{x}_j) = \mathrm{softmax}_h
    (\mathbf{u}_h^{\top} (\mathbf{x}_j - \mathbf{x}_i) + c_h)` over the :math:`H`
    heads; :math:`\mathbf{W}_h`, :math:`\mathbf{u}_h` and :math:`c_h` are trainable.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        heads (int, optional): Number of attention heads :math:`H`. (default: ``1``)
        add_self_loops (bool, optional): If ``False``, do not add self-loops.
            (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "score": "PairTensor"}
    bias: OptTensor

    def __init__(self, in_channels: int, out_channels: int, heads: int = 1,
                 add_self_loops: bool = True, bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "mean")
        super().__init__(**kwargs)
        if int(heads) < 1:
            raise ValueError(f"FeaStConv: heads must be a positive integer, got {heads}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = int(heads)
        self.add_self_loops = add_self_loops
        self.weight = Parameter(torch.empty(in_channels, self.heads * out_channels))
        self.u = Parameter(torch.empty(in_channels, self.heads))
        self.c = Parameter(torch.empty(self.heads))
        if bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        normal(self.weight, mean=0.0, std=0.1)
        normal(self.u, mean=0.0, std=0.1)
        normal(self.c, mean=0.0, std=0.1)
        normal(self.bias, mean=0.0, std=0.1)

    def forward(self, x: Union[Tensor, PairTensor], edge_index: Adj) -> Tensor:
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        if self.add_self_loops:
            if isinstance(edge_index, Tensor):
                edge_index = with_self_loops(edge_index, min(pair[0].size(0),
                                                             pair[1].size(0)))
            else:
                edge_index = ops.set_diag(edge_index)
        score_src = pair[0] @ self.u
        score: PairTensor = (score_src, pair[1] @ self.u if pair[1] is not pair[0]
                             else score_src)
        out = self.propagate(edge_index, x=pair[0] @ self.weight, score=score, size=None)
        bias = self.bias
        if bias is not None:
            out = out + bias
        return out

    def message(self, x_j: Tensor, score_i: Tensor, score_j: Tensor) -> Tensor:
        q = torch.softmax(score_j - score_i + self.c, dim=1)  # [E, H]: u_h^T (x_j - x_i)
        x_j = x_j.view(-1, self.heads, self.out_channels)
        return torch.bmm(q.unsqueeze(1), x_j).squeeze(1)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"heads={self.heads})")
