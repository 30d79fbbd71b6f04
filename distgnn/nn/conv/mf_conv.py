r"""MFConv, from Duvenaud et al., "Convolutional Networks on Graphs for Learning
Molecular Fingerprints" (NeurIPS 2015).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{W}^{(\deg(i))}_1 \mathbf{x}_i +
    \mathbf{W}^{(\deg(i))}_2 \sum_{j \in \mathcal{N}(i)} \mathbf{x}_j

Degrees above ``max_degree`` share the weights of ``max_degree``. Nodes are bucketed
by degree once (a sort), so each degree's weights touch only their own nodes.
"""
from typing import List, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Linear, ModuleList

from ... import ops
from ...typing import Adj, OptPairTensor, Size, SparseTensor
from .message_passing import MessagePassing

__all__ = ["MFConv"]


class MFConv(MessagePassing):
    r"""The molecular fingerprint operator (Duvenaud et al., NeurIPS 2015).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{W}^{(\deg(i))}_1 \mathbf{x}_i +
        \mathbf{W}^{(\deg(i))}_2 \sum_{j \in \mathcal{N}(i)} \mathbf{x}_j

    :math:`\mathbf{W}_2^{(d)}` is ``lins_l[d]`` (with the bias) and
    :math:`\mathbf{W}_1^{(d)}` is ``lins_r[d]``.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        max_degree (int, optional): The largest degree with its own weights.
            (default: ``10``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor"}

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 max_degree: int = 10, bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if not isinstance(max_degree, int) or max_degree < 0:
            raise ValueError(f"MFConv: max_degree must be a non-negative int, got "
                             f"{max_degree!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.max_degree = max_degree
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.lins_l = ModuleList([Linear(in_channels[0], out_channels, bias=bias)
                                  for _ in range(max_degree + 1)])
        self.lins_r = ModuleList([Linear(in_channels[1], out_channels, bias=False)
                                  for _ in range(max_degree + 1)])
        self.reset_parameters()

    def reset_parameters(self):
        for lin in self.lins_l:
            lin.reset_parameters()
        for lin in self.lins_r:
            lin.reset_parameters()

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj,
                size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        x_r = pair[1]
        h = self.propagate(edge_index, x=pair, size=size)
        num_dst = h.size(self.node_dim)
        if isinstance(edge_index, SparseTensor):
            deg = edge_index.storage.rowcount()
        else:
            dst = edge_index[1] if self.flow == "source_to_target" else edge_index[0]
            deg = torch.bincount(dst, minlength=num_dst)[:num_dst]
        deg = deg.clamp(max=self.max_degree)

        perm = torch.argsort(deg)
        counts: List[int] = torch.bincount(deg, minlength=self.max_degree + 1).tolist()
        out = h.new_empty(list(h.size())[:-1] + [self.out_channels])
        start = 0
        for i, (lin_l, lin_r) in enumerate(zip(self.lins_l, self.lins_r)):
            count = counts[i]
            if count > 0:
                idx = perm[start:start + count]
                start += count
                r = lin_l(h.index_select(self.node_dim, idx))
                if x_r is not None:
                    r = r + lin_r(x_r.index_select(self.node_dim, idx))
                out.index_copy_(self.node_dim, idx, r)
        return out

    def message(self, x_j: Tensor) -> Tensor:
        return x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: OptPairTensor) -> Tensor:
        return ops.spmm(adj_t.set_value(None, layout=None), x[0], reduce=self.aggr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
