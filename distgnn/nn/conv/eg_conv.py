r"""EGConv, from Tailor et al., "Adaptive Filters and Aggregator Fusion for Efficient
Graph Convolutions" (2021).

.. math::
    \mathbf{x}_i^{\prime} = {\LARGE ||}_{h=1}^H \sum_{\oplus \in \mathcal{A}}
    \sum_{b = 1}^B w_{i, h, \oplus, b} \;
    \underset{j \in \mathcal{N}(i) \cup \{i\}}{\bigoplus} \mathbf{\Theta}_b \mathbf{x}_{j}

Only the :math:`B` basis projections are aggregated, so memory stays
:math:`\mathcal{O}(|\mathcal{V}|)` in the number of output channels.
"""
from typing import List, Optional, Tuple

import torch
from torch import Tensor
from torch.nn import Linear, Parameter

from ... import ops
from ...typing import Adj, OptTensor, SparseTensor
from ...utils import add_remaining_self_loops
from ..inits import glorot, zeros
from .gcn_conv import gcn_norm
from .message_passing import MessagePassing

__all__ = ["EGConv"]

EG_AGGREGATORS = ("sum", "mean", "symnorm", "min", "max", "var", "std")


class EGConv(MessagePassing):
    r"""The efficient graph convolution (Tailor et al., 2021).

    .. math::
        \mathbf{x}_i^{\prime} = {\LARGE ||}_{h=1}^H \sum_{\oplus \in \mathcal{A}}
        \sum_{b = 1}^B w_{i, h, \oplus, b} \;
        \underset{j \in \mathcal{N}(i) \cup \{i\}}{\bigoplus}
        \mathbf{\Theta}_b \mathbf{x}_{j}

    with basis weights :math:`\mathbf{\Theta}_b` (``bases_weight``), aggregators
    :math:`\oplus` and per-node combination weights :math:`w` (``comb_weight``) for every
    head, aggregator and basis. ``symnorm`` is the GCN normalised sum
    :math:`\sum_j x_j / \sqrt{d_i d_j}`; ``var`` is :math:`\mathrm{mean}(x^2) -
    \mathrm{mean}(x)^2` and ``std`` :math:`\sqrt{\mathrm{ReLU}(\mathrm{var}) +
    10^{-5}}`.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample (divisible by ``num_heads``).
        aggregators (List[str], optional): From ``"sum"``, ``"mean"``, ``"symnorm"``,
            ``"max"``, ``"min"``, ``"std"``, ``"var"``. (default: ``["symnorm"]``)
        num_heads (int, optional): Number of heads :math:`H`. (default: ``8``)
        num_bases (int, optional): Number of basis weights :math:`B`. (default: ``4``)
        cached (bool, optional): Cache the graph with self-loops (and the ``symnorm``
            weights) after the first call (transductive learning only).
            (default: ``False``)
        add_self_loops (bool, optional): Add self-loops. (default: ``True``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "symnorm_weight": "OptTensor"}
    fuse_edge_index = True
    edge_value_arg = "symnorm_weight"
    _cached_edge_index: Optional[Tuple[Tensor, OptTensor]]
    _cached_adj_t: Optional[SparseTensor]

    def __init__(self, in_channels: int, out_channels: int,
                 aggregators: List[str] = ["symnorm"], num_heads: int = 8,
                 num_bases: int = 4, cached: bool = False, add_self_loops: bool = True,
                 bias: bool = True, **kwargs):
        super().__init__(node_dim=0, **kwargs)
        name = type(self).__name__
        if len(aggregators) == 0:
            raise ValueError(f"{name}: aggregators must not be empty")
        for a in aggregators:
            if a not in EG_AGGREGATORS:
                raise ValueError(f"{name}: unknown aggregator {a!r}, expected one of "
                                 f"{EG_AGGREGATORS}")
        for arg, value in (("num_heads", num_heads), ("num_bases", num_bases)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
        if out_channels % num_heads != 0:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by "
                             f"num_heads ({num_heads})")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.aggregators = list(aggregators)
        self.num_heads = num_heads
        self.num_bases = num_bases
        self.cached = cached
        self.add_self_loops = add_self_loops
        self._cached_edge_index = None
        self._cached_adj_t = None

        self.bases_weight = Parameter(
            torch.empty(in_channels, (out_channels // num_heads) * num_bases))
        self.comb_weight = Linear(in_channels, num_heads * num_bases * len(self.aggregators))
        if bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.bases_weight)
        self.comb_weight.reset_parameters()
        zeros(self.bias)
        self._cached_edge_index = None
        self._cached_adj_t = None

    def forward(self, x: Tensor, edge_index: Adj) -> Tensor:
        symnorm_weight: OptTensor = None
        num_nodes = x.size(0)
        if isinstance(edge_index, Tensor):
            cache = self._cached_edge_index
            if cache is None:
                if "symnorm" in self.aggregators:
                    edge_index, symnorm_weight = gcn_norm(edge_index, None, num_nodes, False,
                                                          self.add_self_loops, x.dtype)
                elif self.add_self_loops:
                    edge_index, _ = add_remaining_self_loops(edge_index,
                                                             num_nodes=num_nodes)
                if self.cached:
                    self._cached_edge_index = (edge_index, symnorm_weight)
            else:
                edge_index, symnorm_weight = cache[0], cache[1]
        else:
            cache_t = self._cached_adj_t
            if cache_t is None:
                if "symnorm" in self.aggregators:
                    edge_index = gcn_norm(edge_index, None, num_nodes, False,
                                          self.add_self_loops, x.dtype)
                elif self.add_self_loops:
                    edge_index = ops.set_diag(edge_index)
                if self.cached:
                    self._cached_adj_t = edge_index
            else:
                edge_index = cache_t

        H, B, A = self.num_heads, self.num_bases, len(self.aggregators)
        bases = x @ self.bases_weight        # [N, B * C/H]
        weightings = self.comb_weight(x)     # [N, H * B * A]
        aggregated = self.propagate(edge_index, x=bases, symnorm_weight=symnorm_weight,
                                    size=None)  # [N, A, B * C/H]
        weightings = weightings.view(-1, H, A * B)
        aggregated = aggregated.reshape(-1, A * B, self.out_channels // H)
        out = torch.matmul(weightings, aggregated).reshape(-1, self.out_channels)
        if self.bias is not None:
            out = out + self.bias
        return out

    def fuses_exactly(self) -> bool:
        return all(a in ("symnorm", "sum", "mean") for a in self.aggregators)

    def message(self, x_j: Tensor) -> Tensor:
        return x_j

    def aggregate(self, inputs: Tensor, index: Tensor, ptr: OptTensor = None,
                  dim_size: Optional[int] = None,
                  symnorm_weight: OptTensor = None) -> Tensor:
        outs: List[Tensor] = []
        for aggr in self.aggregators:
            if aggr == "symnorm":
                if symnorm_weight is None:
                    raise ValueError("EGConv: the symnorm aggregator needs edge weights")
                out = ops.scatter(inputs * symnorm_weight.view(-1, 1), index, 0, dim_size,
                                  "sum")
            elif aggr == "var" or aggr == "std":
                mean = ops.scatter(inputs, index, 0, dim_size, "mean")
                mean_sq = ops.scatter(inputs * inputs, index, 0, dim_size, "mean")
                out = mean_sq - mean * mean
                if aggr == "std":
                    out = torch.sqrt(torch.relu(out) + 1e-5)
            else:
                out = ops.scatter(inputs, index, 0, dim_size, aggr)
            outs.append(out)
        return torch.stack(outs, dim=1)

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        plain = adj_t.set_value(None, layout=None)
        outs: List[Tensor] = []
        for aggr in self.aggregators:
            if aggr == "symnorm":
                out = ops.spmm(adj_t, x, reduce="sum")
            elif aggr == "var" or aggr == "std":
                mean = ops.spmm(plain, x, reduce="mean")
                mean_sq = ops.spmm(plain, x * x, reduce="mean")
                out = mean_sq - mean * mean
                if aggr == "std":
                    out = torch.sqrt(torch.relu(out) + 1e-5)
            else:
                out = ops.spmm(plain, x, reduce=aggr)
            outs.append(out)
        return torch.stack(outs, dim=1)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"aggregators={self.aggregators})")
