r"""GravNetConv, from Qasim et al., "Learning Representations of Irregular
Particle-detector Geometry with Distance-weighted Graph Networks" (EPJ C 2019).

Every node is projected to a learned space :math:`\mathbf{s}_i = \mathbf{W}_s
\mathbf{x}_i + \mathbf{b}_s` (dimension :math:`S`) and to propagated features
:math:`\mathbf{h}_i = \mathbf{W}_h \mathbf{x}_i + \mathbf{b}_h`
(:math:`F_{\textrm{LR}}`). With :math:`\mathcal{N}(i)` the ``k`` nearest neighbours
of :math:`\mathbf{s}_i` and Gaussian distance weights
:math:`w_{j,i} = \exp(-10 \, \|\mathbf{s}_j - \mathbf{s}_i\|^2)`,

.. math::
    \mathbf{x}^{\prime}_i = \mathbf{W} \left[ \mathrm{mean}_{j \in \mathcal{N}(i)}
    w_{j,i} \mathbf{h}_j \, \Vert \, \max_{j \in \mathcal{N}(i)} w_{j,i} \mathbf{h}_j
    \, \Vert \, \mathbf{x}_i \right] + \mathbf{b}.
"""
from typing import Optional, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Linear

from ... import ops
from ...typing import OptTensor, PairTensor
from ._shape import shape_str
from .message_passing import MessagePassing

__all__ = ["GravNetConv"]


class GravNetConv(MessagePassing):
    r"""The GravNet operator (Qasim et al., EPJ C 2019): the graph is built from the
    ``k`` nearest neighbours in a learnable low-dimensional projection of the
    features, and a second projection is propagated with Gaussian distance weights
    :math:`\exp(-10 \, d^2)`, aggregated by mean and max.

    Args:
        in_channels (int): The number of input channels.
        out_channels (int): The number of output channels.
        space_dimensions (int): Dimensionality :math:`S` of the space the neighbours are
            found in.
        propagate_dimensions (int): Number :math:`F_{\textrm{LR}}` of features
            propagated between the vertices.
        k (int): The number of nearest neighbors.
        num_workers (int): Number of workers for the kNN computation. (default: ``1``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor", "edge_weight": "Tensor"}

    def __init__(self, in_channels: int, out_channels: int, space_dimensions: int,
                 propagate_dimensions: int, k: int, num_workers: int = 1, **kwargs):
        super().__init__(flow="target_to_source", **kwargs)
        if int(k) < 1:
            raise ValueError(f"GravNetConv: k must be a positive integer, got {k}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.k = int(k)
        self.num_workers = num_workers
        self.lin_s = Linear(in_channels, space_dimensions)
        self.lin_h = Linear(in_channels, propagate_dimensions)
        self.lin = Linear(in_channels + 2 * propagate_dimensions, out_channels)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin_s.reset_parameters()
        self.lin_h.reset_parameters()
        self.lin.reset_parameters()

    def forward(self, x: Union[Tensor, PairTensor],
                batch: Union[OptTensor, Optional[Tuple[Tensor, Tensor]]] = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        bipartite = not isinstance(x, Tensor)
        if pair[0].dim() != 2:
            raise ValueError("GravNetConv: x must have shape [num_nodes, in_channels], "
                             "got " + shape_str(pair[0]))
        if isinstance(batch, tuple):
            b: Tuple[OptTensor, OptTensor] = (batch[0], batch[1])
        else:
            b = (batch, batch)
        h_l = self.lin_h(pair[0])
        s_l = self.lin_s(pair[0])
        s_r = self.lin_s(pair[1]) if bipartite else s_l
        # row 0: centre (target, in x[1]); row 1: neighbour (source, in x[0])
        edge_index = ops.knn(s_l, s_r, self.k, b[0], b[1], False, self.num_workers)
        dist = (s_l[edge_index[1]] - s_r[edge_index[0]]).pow(2).sum(-1)
        edge_weight = torch.exp(-10.0 * dist)
        out = self.propagate(edge_index, x=(h_l, None), edge_weight=edge_weight,
                             size=(s_l.size(0), s_r.size(0)))
        return self.lin(torch.cat([out, pair[1]], dim=-1))

    def message(self, x_j: Tensor, edge_weight: Tensor) -> Tensor:
        return x_j * edge_weight.unsqueeze(1)

    def aggregate(self, inputs: Tensor, index: Tensor, ptr: Optional[Tensor] = None,
                  dim_size: Optional[int] = None) -> Tensor:
        mean = ops.scatter(inputs, index, self.node_dim, dim_size, "mean")
        high = ops.scatter(inputs, index, self.node_dim, dim_size, "max")
        return torch.cat([mean, high], dim=-1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, k={self.k})"
