r"""SAGEConv, from Hamilton et al., "Inductive Representation Learning on Large
Graphs" (NeurIPS 2017).

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{W}_1 \mathbf{x}_i + \mathbf{W}_2 \cdot
    \mathrm{mean}_{j \in \mathcal{N(i)}} \mathbf{x}_j
"""
from typing import Tuple, Union

import torch.nn.functional as F
from torch import Tensor
from torch.nn import Linear

from ... import ops
from ...typing import Adj, OptPairTensor, Size, SparseTensor
from .message_passing import MessagePassing

__all__ = ["SAGEConv"]


class SAGEConv(MessagePassing):
    r"""The GraphSAGE operator (Hamilton et al., NeurIPS 2017).

    .. math::
        \mathbf{x}^{\prime}_i = \mathbf{W}_1 \mathbf{x}_i + \mathbf{W}_2 \cdot
        \mathrm{mean}_{j \in \mathcal{N(i)}} \mathbf{x}_j

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        normalize (bool, optional): :math:`\ell_2`-normalise the output.
            (default: ``False``)
        root_weight (bool, optional): If ``False``, drop the :math:`\mathbf{W}_1
            \mathbf{x}_i` term. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing` (``aggr`` defaults
            to ``"mean"``).
    """

    propagate_type = {"x": "OptPairTensor"}
    fuse_edge_index = True

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 normalize: bool = False, root_weight: bool = True, bias: bool = True,
                 **kwargs):
        kwargs.setdefault("aggr", "mean")
        super().__init__(**kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.normalize = normalize
        self.root_weight = root_weight
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.lin_l = Linear(in_channels[0], out_channels, bias=bias)
        if root_weight:
            self.lin_r = Linear(in_channels[1], out_channels, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin_l.reset_parameters()
        if self.root_weight:
            self.lin_r.reset_parameters()

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj,
                size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        out = self.propagate(edge_index, x=pair, size=size)
        out = self.lin_l(out)
        x_r = pair[1]
        if self.root_weight and x_r is not None:
            out = out + self.lin_r(x_r)
        if self.normalize:
            out = F.normalize(out, p=2.0, dim=-1)
        return out

    def message(self, x_j: Tensor) -> Tensor:
        return x_j

    def message_and_aggregate(self, adj_t: SparseTensor, x: OptPairTensor) -> Tensor:
        return ops.spmm(adj_t.set_value(None, layout=None), x[0], reduce=self.aggr)
