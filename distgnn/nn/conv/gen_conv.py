r"""GENConv, from Li et al., "DeeperGCN: All You Need to Train Deeper GCNs" (2020).

.. math::
    \mathbf{x}_i^{\prime} = \mathrm{MLP} \left( \mathbf{x}_i + \mathrm{AGG} \left(
    \left\{ \mathrm{ReLU} \left( \mathbf{x}_j + \mathbf{e_{ji}} \right) +\epsilon :
    j \in \mathcal{N}(i) \right\} \right) \right)

with a softmax (:math:`\sum_j \mathrm{softmax}_j(t \cdot \mathbf{m}_j) \odot
\mathbf{m}_j`, per channel) or power-mean (:math:`(\mathrm{mean}_j \,
\mathbf{m}_j^p)^{1/p}`) aggregation.
"""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import (BatchNorm1d, Dropout, InstanceNorm1d, LayerNorm, Linear, Parameter,
                      ReLU, Sequential)

from ... import ops
from ...typing import Adj, OptPairTensor, OptTensor, Size
from ...utils import softmax
from ..inits import reset
from ..norm import MessageNorm
from .message_passing import MessagePassing

__all__ = ["GENConv"]

GEN_AGGRS = ("softmax", "softmax_sg", "power", "add", "mean", "max")
NORMS = ("batch", "layer", "instance")


def _mlp(channels: List[int], norm: Optional[str], bias: bool = True,
         dropout: float = 0.0) -> Sequential:
    """``Linear -> Norm -> ReLU -> Dropout`` blocks; the last block is a plain Linear."""
    modules = []
    for i in range(1, len(channels)):
        modules.append(Linear(channels[i - 1], channels[i], bias=bias))
        if i < len(channels) - 1:
            if norm == "batch":
                modules.append(BatchNorm1d(channels[i], affine=True))
            elif norm == "layer":
                modules.append(LayerNorm(channels[i], elementwise_affine=True))
            elif norm == "instance":
                modules.append(InstanceNorm1d(channels[i], affine=False))
            modules.append(ReLU())
            modules.append(Dropout(dropout))
    return Sequential(*modules)


class GENConv(MessagePassing):
    r"""The generalised graph convolution of DeeperGCN (Li et al., 2020).

    .. math::
        \mathbf{x}_i^{\prime} = \mathrm{MLP} \left( \mathbf{x}_i + \mathrm{AGG} \left(
        \left\{ \mathrm{ReLU} \left( \mathbf{x}_j + \mathbf{e_{ji}} \right) +\epsilon :
        j \in \mathcal{N}(i) \right\} \right) \right)

    ``"softmax"``: :math:`\mathrm{AGG} = \sum_j \mathrm{softmax}_j(t\,\mathbf{m}_j)
    \odot \mathbf{m}_j` (per channel; ``"softmax_sg"`` stops the gradient through the
    weights); ``"power"``: :math:`(\mathrm{mean}_j\, \mathbf{m}_j^p)^{1/p}` with
    messages and means clamped to ``[1e-7, 10]``. With ``msg_norm``, the aggregate is
    replaced by :class:`MessageNorm` of it before the residual.

    Args:
        in_channels (int): Size of each input sample (and of edge features).
        out_channels (int): Size of each output sample.
        aggr (str, optional): ``"softmax"``, ``"softmax_sg"``, ``"power"``, ``"add"``,
            ``"mean"`` or ``"max"``. (default: ``"softmax"``)
        t (float, optional): Initial inverse temperature of the softmax aggregation.
            (default: ``1.0``)
        learn_t (bool, optional): Learn ``t`` (``"softmax"`` only). (default: ``False``)
        p (float, optional): Initial power of the power-mean aggregation.
            (default: ``1.0``)
        learn_p (bool, optional): Learn ``p``. (default: ``False``)
        msg_norm (bool, optional): Use message normalisation. (default: ``False``)
        learn_msg_scale (bool, optional): Learn the scale of the message
            normalisation. (default: ``False``)
        norm (str, optional): Norm of the MLP layers (``"batch"``, ``"layer"``,
            ``"instance"``). (default: ``"batch"``)
        num_layers (int, optional): Number of MLP layers. (default: ``2``)
        eps (float, optional): :math:`\epsilon` of the message function.
            (default: ``1e-7``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "OptPairTensor", "edge_attr": "OptTensor"}

    def __init__(self, in_channels: int, out_channels: int, aggr: str = "softmax",
                 t: float = 1.0, learn_t: bool = False, p: float = 1.0, learn_p: bool = False,
                 msg_norm: bool = False, learn_msg_scale: bool = False, norm: str = "batch",
                 num_layers: int = 2, eps: float = 1e-7, **kwargs):
        super().__init__(aggr=None, **kwargs)
        name = type(self).__name__
        if aggr not in GEN_AGGRS:
            raise ValueError(f"{name}: aggr must be one of {GEN_AGGRS}, got {aggr!r}")
        if norm not in NORMS:
            raise ValueError(f"{name}: norm must be one of {NORMS}, got {norm!r}")
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive integer, "
                             f"got {num_layers!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.aggr = aggr
        self.eps = eps

        channels = [in_channels] + [in_channels * 2] * (num_layers - 1) + [out_channels]
        self.mlp = _mlp(channels, norm=norm)
        self.msg_norm = MessageNorm(learn_msg_scale) if msg_norm else None

        self.initial_t = t
        self.initial_p = p
        if learn_t and aggr == "softmax":
            self.t = Parameter(torch.tensor([float(t)]))
        else:
            self.t = t
        if learn_p:
            self.p = Parameter(torch.tensor([float(p)]))
        else:
            self.p = p
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.mlp)
        if self.msg_norm is not None:
            self.msg_norm.reset_parameters()
        if isinstance(self.t, Tensor):
            self.t.data.fill_(self.initial_t)
        if isinstance(self.p, Tensor):
            self.p.data.fill_(self.initial_p)

    def forward(self, x: Union[Tensor, OptPairTensor], edge_index: Adj,
                edge_attr: OptTensor = None, size: Size = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: OptPairTensor = (x, x)
        else:
            pair = x
        if isinstance(edge_index, Tensor):
            attr = edge_attr
        else:
            attr = edge_index.storage.value()
        if attr is not None and attr.size(-1) != pair[0].size(-1):
            raise ValueError("GENConv: edge features must have the node feature size "
                             + str(pair[0].size(-1)) + ", got " + str(attr.size(-1)))

        out = self.propagate(edge_index, x=pair, edge_attr=attr, size=size)
        msg_norm = self.msg_norm
        if msg_norm is not None:
            out = msg_norm(pair[0], out)
        x_r = pair[1]
        if x_r is not None:
            out = out + x_r
        return self.mlp(out)

    def message(self, x_j: Tensor, edge_attr: OptTensor) -> Tensor:
        msg = x_j if edge_attr is None else x_j + edge_attr
        return F.relu(msg) + self.eps

    def aggregate(self, inputs: Tensor, index: Tensor, ptr: OptTensor = None,
                  dim_size: Optional[int] = None) -> Tensor:
        if self.aggr == "softmax":
            weight = softmax(inputs * self.t, index, ptr, dim_size)
            return ops.scatter(inputs * weight, index, 0, dim_size, "sum")
        if self.aggr == "softmax_sg":
            weight = softmax(inputs * self.t, index, ptr, dim_size).detach()
            return ops.scatter(inputs * weight, index, 0, dim_size, "sum")
        if self.aggr == "power":
            lo, hi = 1e-7, 1e1
            powered = torch.pow(inputs.clamp(lo, hi), self.p)
            out = ops.scatter(powered, index, 0, dim_size, "mean").clamp(lo, hi)
            return torch.pow(out, 1 / self.p)
        return ops.scatter(inputs, index, 0, dim_size, self.aggr)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"aggr={self.aggr})")
