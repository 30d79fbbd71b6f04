r"""FastRGCNConv: :class:`~distgnn.nn.conv.RGCNConv` in a single message pass.

Every source node is transformed by every relation first (a ``[R * N, F_out]``
table, or the weight rows themselves for featureless input); each edge then reads
the row of its relation and source, and the mean runs per (target, relation) pair:

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{\Theta}_{\textrm{root}} \cdot \mathbf{x}_i +
    \sum_{r \in \mathcal{R}} \sum_{j \in \mathcal{N}_r(i)}
    \frac{1}{|\mathcal{N}_r(i)|} \mathbf{\Theta}_r \cdot \mathbf{x}_j
"""
from typing import Optional, Tuple, Union

import torch
from torch import Tensor

from ... import ops
from ...typing import Adj, OptTensor
from .rgcn_conv import RGCNConv

__all__ = ["FastRGCNConv"]


class FastRGCNConv(RGCNConv):
    r"""The relational graph convolutional operator, all relations at once.

    Same arguments, parameters and results as :class:`RGCNConv`; it trades memory
    (one transformed copy of the source features per relation) for speed.
    """

    propagate_type = {"table": "Tensor", "key": "Tensor", "offset": "Tensor",
                      "edge_type": "Tensor"}

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 num_relations: int, num_bases: Optional[int] = None,
                 num_blocks: Optional[int] = None, aggr: str = "mean",
                 root_weight: bool = True, bias: bool = True, **kwargs):
        super().__init__(in_channels, out_channels, num_relations, num_bases, num_blocks,
                         aggr, root_weight, bias, **kwargs)
        self.fuse = False  # one edge-wise pass; no sparse-matrix product applies

    def forward(self, x: Union[OptTensor, Tuple[OptTensor, Tensor]], edge_index: Adj,
                edge_type: OptTensor = None) -> Tensor:
        x_l, x_r = self._inputs(x)
        size = (x_l.size(0), x_r.size(0))
        types = self._edge_type(edge_index, edge_type)
        weight = self._relation_weight()
        if x_l.dtype == torch.long:
            if self.num_blocks is not None:
                raise ValueError(f"{self._name}: block-diagonal decomposition "
                                 f"needs float input features, got node indices")
            table = weight.reshape(-1, self.out_channels)
            key, stride = x_l, weight.size(1)
        else:
            if self.num_blocks is not None:
                xb = x_l.view(x_l.size(0), weight.size(1), weight.size(2))
                table = torch.einsum("nbc,rbcd->rnbd", xb, weight)
            else:
                table = torch.matmul(x_l, weight)
            table = table.reshape(-1, self.out_channels)
            key, stride = torch.arange(x_l.size(0), device=x_l.device), x_l.size(0)
        out = self.propagate(edge_index, table=table, key=key, offset=types * stride,
                             edge_type=types, size=size)
        return self._root(out, x_r)

    def message(self, table: Tensor, key_j: Tensor, offset: Tensor) -> Tensor:
        return table.index_select(0, offset + key_j)

    def aggregate(self, inputs: Tensor, index: Tensor, edge_type: Tensor,
                  dim_size: Optional[int] = None) -> Tensor:
        size = int(index.max()) + 1 if dim_size is None and index.numel() > 0 else 0
        if dim_size is not None:
            size = dim_size
        if self.aggr == "mean":
            pair = index * self.num_relations + edge_type
            count = torch.bincount(pair, minlength=size * self.num_relations)
            norm = 1.0 / count.index_select(0, pair).clamp(min=1).to(inputs.dtype)
            return ops.scatter(inputs * norm.view(-1, 1), index, 0, size, "sum")
        return ops.scatter(inputs, index, 0, size, self.aggr)
