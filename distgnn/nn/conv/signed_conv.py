r"""SignedConv, from Derr et al., "Signed Graph Convolutional Network" (ICDM 2018).

With ``first_aggr=True``:

.. math::
    \mathbf{x}_v^{(\textrm{pos})} = \mathbf{\Theta}^{(\textrm{pos})} \left[
    \frac{1}{|\mathcal{N}^{+}(v)|} \sum_{w \in \mathcal{N}^{+}(v)} \mathbf{x}_w,
    \mathbf{x}_v \right]

(and likewise for the negative part); otherwise ``x`` holds ``[x_pos, x_neg]`` and
balanced/unbalanced paths are combined:

.. math::
    \mathbf{x}_v^{(\textrm{pos})} = \mathbf{\Theta}^{(\textrm{pos})} \left[
    \mathrm{mean}_{\mathcal{N}^{+}(v)} \mathbf{x}_w^{(\textrm{pos})},
    \mathrm{mean}_{\mathcal{N}^{-}(v)} \mathbf{x}_w^{(\textrm{neg})},
    \mathbf{x}_v^{(\textrm{pos})} \right]

Each edge set is propagated once over all features, then sliced.
"""
from typing import Union

import torch
from torch import Tensor
from torch.nn import Linear

from ... import ops
from ...typing import Adj, PairTensor, SparseTensor
from .message_passing import MessagePassing

__all__ = ["SignedConv"]


class SignedConv(MessagePassing):
    r"""The signed graph convolutional operator (Derr et al., ICDM 2018).

    .. math::
        \mathbf{x}_v^{(\textrm{pos})} = \mathbf{\Theta}^{(\textrm{pos})} \left[
        \frac{1}{|\mathcal{N}^{+}(v)|} \sum_{w \in \mathcal{N}^{+}(v)} \mathbf{x}_w ,
        \mathbf{x}_v \right]

    for ``first_aggr=True``; otherwise ``x[:, :in_channels]`` holds the positive and
    ``x[:, in_channels:]`` the negative features, and the positive output aggregates
    positive features over positive edges and negative features over negative edges
    (the negative output the other way round). The output is ``[x_pos, x_neg]``.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        first_aggr (bool): Which of the two formulas to use.
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "PairTensor"}

    def __init__(self, in_channels: int, out_channels: int, first_aggr: bool,
                 bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "mean")
        super().__init__(**kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.first_aggr = first_aggr
        f_l = in_channels if first_aggr else 2 * in_channels
        self.lin_pos_l = Linear(f_l, out_channels, bias=False)
        self.lin_pos_r = Linear(in_channels, out_channels, bias=bias)
        self.lin_neg_l = Linear(f_l, out_channels, bias=False)
        self.lin_neg_r = Linear(in_channels, out_channels, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin_pos_l.reset_parameters()
        self.lin_pos_r.reset_parameters()
        self.lin_neg_l.reset_parameters()
        self.lin_neg_r.reset_parameters()

    def forward(self, x: Union[Tensor, PairTensor], pos_edge_index: Adj,
                neg_edge_index: Adj) -> Tensor:
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        x_r = pair[1]
        if self.first_aggr:
            out_pos = self.lin_pos_l(self.propagate(pos_edge_index, x=pair, size=None))
            out_pos = out_pos + self.lin_pos_r(x_r)
            out_neg = self.lin_neg_l(self.propagate(neg_edge_index, x=pair, size=None))
            out_neg = out_neg + self.lin_neg_r(x_r)
            return torch.cat([out_pos, out_neg], dim=-1)

        c = self.in_channels
        if pair[0].size(-1) != 2 * c:
            raise ValueError(f"SignedConv: with first_aggr=False, x must have "
                             f"2 * in_channels = {2 * c} features, got {pair[0].size(-1)}")
        agg_pos = self.propagate(pos_edge_index, x=pair, size=None)  # [pos | neg] over E+
        agg_neg = self.propagate(neg_edge_index, x=pair, size=None)  # [pos | neg] over E-
        out_pos = self.lin_pos_l(torch.cat([agg_pos[..., :c], agg_neg[..., c:]], dim=-1))
        out_pos = out_pos + self.lin_pos_r(x_r[..., :c])
        out_neg = self.lin_neg_l(torch.cat([agg_pos[..., c:], agg_neg[..., :c]], dim=-1))
        out_neg = out_neg + self.lin_neg_r(x_r[..., c:])
        return torch.cat([out_pos, out_neg], dim=-1)

    def message(self, x_j: Tensor) -> Tensor:
        return x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: PairTensor) -> Tensor:
        return ops.spmm(adj_t.set_value(None, layout=None), x[0], reduce=self.aggr)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"first_aggr={self.first_aggr})")
