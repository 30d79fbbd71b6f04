r"""PNAConv, from Corso et al., "Principal Neighbourhood Aggregation for Graph Nets"
(NeurIPS 2020).

.. math::
    \mathbf{x}_i^{\prime} = \gamma_{\mathbf{\Theta}} \left( \mathbf{x}_i,
    \underset{j \in \mathcal{N}(i)}{\bigoplus}
    h_{\mathbf{\Theta}} \left( \mathbf{x}_i, \mathbf{x}_j \right) \right),
    \qquad
    \bigoplus = \begin{bmatrix} 1 \\ S(\mathbf{D}, \alpha=1) \\
    S(\mathbf{D}, \alpha=-1) \end{bmatrix} \otimes
    \begin{bmatrix} \mu \\ \sigma \\ \max \\ \min \end{bmatrix}

The first (linear) layer of :math:`h_{\mathbf{\Theta}}` acting on
:math:`[\mathbf{x}_i \Vert \mathbf{x}_j \Vert \mathbf{e}_{j,i}]` is split into its
node parts, which are computed once per node rather than once per edge.
"""
from typing import Dict, List, Optional

import torch
from torch import Tensor
from torch.nn import Linear, ModuleList, ReLU, Sequential

from ... import ops
from ...typing import Adj, OptTensor
from ..inits import reset
from .message_passing import MessagePassing

__all__ = ["PNAConv"]

AGGREGATORS = ("sum", "mean", "min", "max", "var", "std")
SCALERS = ("identity", "amplification", "attenuation", "linear", "inverse_linear")


class PNAConv(MessagePassing):
    r"""The principal neighbourhood aggregation operator (Corso et al., NeurIPS 2020).

    .. math::
        \mathbf{x}_i^{\prime} = \gamma_{\mathbf{\Theta}} \left( \mathbf{x}_i,
        \underset{j \in \mathcal{N}(i)}{\bigoplus}
        h_{\mathbf{\Theta}} \left( \mathbf{x}_i, \mathbf{x}_j \right) \right)

    where :math:`\bigoplus` applies every aggregator (``sum``, ``mean``, ``min``,
    ``max``, ``var``, ``std``) and scales each result by every degree scaler
    (``identity``; ``amplification`` :math:`\log(d+1)/\delta`; ``attenuation``
    :math:`\delta/\log(d+1)`; ``linear`` :math:`d/\bar{d}`; ``inverse_linear``
    :math:`\bar{d}/d`, with :math:`\delta` and :math:`\bar{d}` the average
    :math:`\log(d+1)` and :math:`d` of the training degree histogram ``deg``).
    :math:`h` and :math:`\gamma` are MLPs, one per tower; a final linear layer mixes
    the towers. ``var`` is :math:`\mathrm{mean}(x^2) - \mathrm{mean}(x)^2` and ``std``
    :math:`\sqrt{\mathrm{ReLU}(\mathrm{var}) + 10^{-5}}`.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        aggregators (list of str): Aggregators, from ``"sum"``, ``"mean"``, ``"min"``,
            ``"max"``, ``"var"``, ``"std"``.
        scalers (list of str): Scalers, from ``"identity"``, ``"amplification"``,
            ``"attenuation"``, ``"linear"``, ``"inverse_linear"``.
        deg (Tensor): Histogram of in-degrees of the training nodes
            (``deg[d]`` = number of nodes of in-degree ``d``).
        edge_dim (int, optional): Edge feature dimensionality. (default: ``None``)
        towers (int, optional): Number of towers. (default: ``1``)
        pre_layers (int, optional): Layers of :math:`h`. (default: ``1``)
        post_layers (int, optional): Layers of :math:`\gamma`. (default: ``1``)
        divide_input (bool, optional): Split the input features between the towers
            instead of giving each tower all of them. (default: ``False``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"h_dst": "Tensor", "h_src": "Tensor", "edge_attr": "OptTensor"}

    def __init__(self, in_channels: int, out_channels: int, aggregators: List[str],
                 scalers: List[str], deg: Tensor, edge_dim: Optional[int] = None,
                 towers: int = 1, pre_layers: int = 1, post_layers: int = 1,
                 divide_input: bool = False, **kwargs):
        kwargs.setdefault("aggr", None)
        super().__init__(node_dim=0, **kwargs)
        _check_args(type(self).__name__, in_channels, out_channels, aggregators, scalers,
                    deg, towers, pre_layers, post_layers, divide_input)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.aggregators = list(aggregators)
        self.scalers = list(scalers)
        self.edge_dim = edge_dim
        self.towers = towers
        self.divide_input = divide_input
        self.F_in = in_channels // towers if divide_input else in_channels
        self.F_out = out_channels // towers
        self.avg_deg: Dict[str, float] = _average_degrees(deg)

        self.edge_encoder = Linear(edge_dim, self.F_in) if edge_dim is not None else None
        num_parts = 3 if edge_dim is not None else 2
        self.pre_nns = ModuleList()
        self.post_nns = ModuleList()
        for _ in range(towers):
            modules = [Linear(num_parts * self.F_in, self.F_in)]
            for _ in range(pre_layers - 1):
                modules += [ReLU(), Linear(self.F_in, self.F_in)]
            self.pre_nns.append(Sequential(*modules))
            post_in = (len(self.aggregators) * len(self.scalers) + 1) * self.F_in
            modules = [Linear(post_in, self.F_out)]
            for _ in range(post_layers - 1):
                modules += [ReLU(), Linear(self.F_out, self.F_out)]
            self.post_nns.append(Sequential(*modules))
        self.lin = Linear(out_channels, out_channels)
        self.reset_parameters()

    def reset_parameters(self):
        if self.edge_encoder is not None:
            self.edge_encoder.reset_parameters()
        for nn in self.pre_nns:
            reset(nn)
        for nn in self.post_nns:
            reset(nn)
        self.lin.reset_parameters()

    def forward(self, x: Tensor, edge_index: Adj, edge_attr: OptTensor = None) -> Tensor:
        if x.dim() != 2 or x.size(-1) != self.in_channels:
            raise ValueError("PNAConv: x must have shape [num_nodes, "
                             + str(self.in_channels) + "], got " + str(list(x.shape)))
        if isinstance(edge_index, Tensor):
            if edge_attr is not None and self.edge_encoder is None:
                raise ValueError("PNAConv: edge_attr was given but edge_dim is None")
            if edge_attr is None and self.edge_encoder is not None:
                raise ValueError("PNAConv: edge_dim is set, so edge_attr is required")
        T, F_in = self.towers, self.F_in
        if self.divide_input:
            xt = x.view(-1, T, F_in)
        else:
            xt = x.view(-1, 1, F_in).expand(-1, T, F_in)

        # The first pre-layer, W [x_i || x_j || e] + b, split into its node parts.
        dst_parts: List[Tensor] = []
        src_parts: List[Tensor] = []
        for t, pre_nn in enumerate(self.pre_nns):
            first = pre_nn[0]
            w = first.weight
            x_t = xt[:, t]
            dst_parts.append(torch.addmm(first.bias, x_t, w[:, :F_in].t()))
            src_parts.append(x_t @ w[:, F_in:2 * F_in].t())
        h_dst = torch.stack(dst_parts, dim=1)
        h_src = torch.stack(src_parts, dim=1)

        out = self.propagate(edge_index, h_dst=h_dst, h_src=h_src, edge_attr=edge_attr,
                             size=None)
        out = torch.cat([xt, out], dim=-1)
        outs: List[Tensor] = []
        for t, post_nn in enumerate(self.post_nns):
            outs.append(post_nn(out[:, t]))
        return self.lin(torch.cat(outs, dim=1))

    def message(self, h_dst_i: Tensor, h_src_j: Tensor, edge_attr: OptTensor) -> Tensor:
        h = h_dst_i + h_src_j
        F_in = self.F_in
        encoder = self.edge_encoder
        if encoder is not None:
            if edge_attr is None:
                raise ValueError("PNAConv: edge_dim is set, so edge_attr is required")
            e = encoder(edge_attr)
            parts: List[Tensor] = []
            for edge_nn in self.pre_nns:
                parts.append(e @ edge_nn[0].weight[:, 2 * F_in:].t())
            h = h + torch.stack(parts, dim=1)
        outs: List[Tensor] = []
        for t, msg_nn in enumerate(self.pre_nns):
            h_t = h[:, t]
            k = 0
            for layer in msg_nn:  # the remaining layers act on each edge
                if k > 0:
                    h_t = layer(h_t)
                k += 1
            outs.append(h_t)
        return torch.stack(outs, dim=1)

    def aggregate(self, inputs: Tensor, index: Tensor, ptr: OptTensor = None,
                  dim_size: Optional[int] = None) -> Tensor:
        size = dim_size if dim_size is not None else int(index.max()) + 1
        outs: List[Tensor] = []
        for aggr in self.aggregators:
            if aggr == "var" or aggr == "std":
                mean = _reduce(inputs, index, ptr, size, "mean")
                mean_sq = _reduce(inputs * inputs, index, ptr, size, "mean")
                out = mean_sq - mean * mean
                if aggr == "std":
                    out = torch.sqrt(torch.relu(out) + 1e-5)
            else:
                out = _reduce(inputs, index, ptr, size, aggr)
            outs.append(out)
        out = torch.cat(outs, dim=-1)

        if ptr is not None:
            deg = (ptr[1:] - ptr[:-1]).to(inputs.dtype)
        else:
            deg = torch.bincount(index, minlength=size)[:size].to(inputs.dtype)
        deg = deg.clamp(min=1.0).view(-1, 1, 1)
        scaled: List[Tensor] = []
        for scaler in self.scalers:
            if scaler == "identity":
                scaled.append(out)
            elif scaler == "amplification":
                scaled.append(out * (torch.log(deg + 1) / self.avg_deg["log"]))
            elif scaler == "attenuation":
                scaled.append(out * (self.avg_deg["log"] / torch.log(deg + 1)))
            elif scaler == "linear":
                scaled.append(out * (deg / self.avg_deg["lin"]))
            else:
                scaled.append(out * (self.avg_deg["lin"] / deg))
        return torch.cat(scaled, dim=-1)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"towers={self.towers}, edge_dim={self.edge_dim})")


def _reduce(src: Tensor, index: Tensor, ptr: Optional[Tensor], size: int,
            reduce: str) -> Tensor:
    if ptr is not None:
        return ops.segment_csr(src, ptr, reduce)
    return ops.scatter(src, index, 0, size, reduce)


def _average_degrees(deg: Tensor) -> Dict[str, float]:
    deg = deg.to(torch.double)
    total = deg.sum()
    bins = torch.arange(deg.numel(), dtype=torch.double)
    return {
        "lin": float((bins * deg).sum() / total),
        "log": float(((bins + 1).log() * deg).sum() / total),
        "exp": float((bins.exp() * deg).sum() / total),
    }


def _check_args(name: str, in_channels: int, out_channels: int, aggregators: List[str],
                scalers: List[str], deg: Tensor, towers: int, pre_layers: int,
                post_layers: int, divide_input: bool) -> None:
    for a in aggregators:
        if a not in AGGREGATORS:
            raise ValueError(f"{name}: unknown aggregator {a!r}, expected one of "
                             f"{AGGREGATORS}")
    for s in scalers:
        if s not in SCALERS:
            raise ValueError(f"{name}: unknown scaler {s!r}, expected one of {SCALERS}")
    if len(aggregators) == 0 or len(scalers) == 0:
        raise ValueError(f"{name}: aggregators and scalers must not be empty")
    if not isinstance(deg, Tensor) or deg.dim() != 1 or deg.numel() == 0 \
            or float(deg.sum()) <= 0:
        raise ValueError(f"{name}: deg must be a non-empty 1-D degree histogram")
    for arg, value in (("towers", towers), ("pre_layers", pre_layers),
                       ("post_layers", post_layers)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
    if out_channels % towers != 0:
        raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by "
                         f"towers ({towers})")
    if divide_input and in_channels % towers != 0:
        raise ValueError(f"{name}: with divide_input, in_channels ({in_channels}) must be "
                         f"divisible by towers ({towers})")
