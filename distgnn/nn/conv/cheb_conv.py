r"""ChebConv, from Defferrard et al., "Convolutional Neural Networks on Graphs with
Fast Localized Spectral Filtering" (NeurIPS 2016).

.. math::
    \mathbf{X}^{\prime} = \sum_{k=1}^{K} \mathbf{Z}^{(k)} \cdot \mathbf{\Theta}^{(k)},
    \quad \mathbf{Z}^{(1)} = \mathbf{X}, \quad
    \mathbf{Z}^{(2)} = \mathbf{\hat{L}} \mathbf{X}, \quad
    \mathbf{Z}^{(k)} = 2 \mathbf{\hat{L}} \mathbf{Z}^{(k-1)} - \mathbf{Z}^{(k-2)},

with the scaled Laplacian :math:`\mathbf{\hat{L}} = 2\mathbf{L} / \lambda_{\max} -
\mathbf{I}`. :math:`\mathbf{\hat{L}}` is applied as its off-diagonal part (one
message pass) plus its diagonal (an elementwise product).
"""
from typing import Optional, Tuple

import torch
from torch import Tensor
from torch.nn import Parameter

from ... import ops
from ...typing import OptTensor
from ...utils import get_laplacian, remove_self_loops
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["ChebConv"]

NORMALIZATIONS = (None, "sym", "rw")


def _scaled_laplacian(edge_index: Tensor, edge_weight: OptTensor, normalization: Optional[str],
                      lambda_max: Tensor, batch: OptTensor, num_nodes: int,
                      dtype: torch.dtype) -> Tuple[Tensor, Tensor, Tensor]:
    """Off-diagonal edges, their weights and the diagonal of ``2 L / lambda_max - I``."""
    edge_index, edge_weight = remove_self_loops(edge_index, edge_weight)
    edge_index, edge_weight = get_laplacian(edge_index, edge_weight, normalization, dtype,
                                            num_nodes)
    if edge_weight is None:
        raise RuntimeError("ChebConv: get_laplacian returned no edge weights")
    if batch is not None and lambda_max.numel() > 1:
        lambda_max = lambda_max[batch[edge_index[0]]]
    edge_weight = (2.0 * edge_weight) / lambda_max
    edge_weight = edge_weight.masked_fill(edge_weight == float("inf"), 0.0)
    loop = edge_index[0] == edge_index[1]
    diag = ops.scatter(edge_weight[loop], edge_index[0][loop], 0, num_nodes, "sum") - 1.0
    keep = ~loop
    return edge_index[:, keep], edge_weight[keep], diag


class ChebConv(MessagePassing):
    r"""The Chebyshev spectral graph convolutional operator (Defferrard et al., 2016).

    .. math::
        \mathbf{X}^{\prime} = \sum_{k=1}^{K} \mathbf{Z}^{(k)} \cdot \mathbf{\Theta}^{(k)}

    where :math:`\mathbf{Z}^{(1)} = \mathbf{X}`, :math:`\mathbf{Z}^{(2)} =
    \mathbf{\hat{L}} \mathbf{X}`, :math:`\mathbf{Z}^{(k)} = 2 \mathbf{\hat{L}}
    \mathbf{Z}^{(k-1)} - \mathbf{Z}^{(k-2)}` and :math:`\mathbf{\hat{L}} =
    \frac{2\mathbf{L}}{\lambda_{\max}} - \mathbf{I}`.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        K (int): Chebyshev filter size :math:`K`.
        normalization (str, optional): Laplacian normalisation: ``None``
            (:math:`\mathbf{L} = \mathbf{D} - \mathbf{A}`), ``"sym"``
            (:math:`\mathbf{I} - \mathbf{D}^{-1/2} \mathbf{A} \mathbf{D}^{-1/2}`) or
            ``"rw"`` (:math:`\mathbf{I} - \mathbf{D}^{-1} \mathbf{A}`). Unless it is
            ``"sym"``, ``lambda_max`` must be passed to :meth:`forward` (a scalar, or
            one value per graph of a mini-batch). (default: ``"sym"``)
        bias (bool, optional): Learn an additive bias. (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "norm": "Tensor"}

    def __init__(self, in_channels: int, out_channels: int, K: int,
                 normalization: Optional[str] = "sym", bias: bool = True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if not isinstance(K, int) or K <= 0:
            raise ValueError(f"ChebConv: K must be a positive int, got {K!r}")
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"ChebConv: normalization must be one of {NORMALIZATIONS}, "
                             f"got {normalization!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.normalization = normalization
        self.weight = Parameter(torch.empty(K, in_channels, out_channels))
        self.bias = Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.weight)
        zeros(self.bias)

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: OptTensor = None,
                batch: OptTensor = None, lambda_max: OptTensor = None) -> Tensor:
        if self.normalization != "sym" and lambda_max is None:
            raise ValueError("ChebConv: lambda_max must be passed to forward() when "
                             "normalization is not 'sym'")
        if lambda_max is None:
            lam = torch.tensor(2.0, dtype=x.dtype, device=x.device)
        elif isinstance(lambda_max, Tensor):
            lam = lambda_max.to(dtype=x.dtype, device=x.device)
        else:  # a Python number, as 1.7 accepts
            lam = torch.tensor(float(lambda_max), dtype=x.dtype, device=x.device)
        if batch is not None and lam.numel() > 1 and lam.dim() != 1:
            raise ValueError("ChebConv: lambda_max must be a scalar or have shape "
                             "[num_graphs]")
        edge_index, norm, diag = _scaled_laplacian(edge_index, edge_weight,
                                                   self.normalization, lam, batch,
                                                   x.size(self.node_dim), x.dtype)
        diag = diag.view(-1, 1)

        tx_0 = x
        out = tx_0 @ self.weight[0]
        if self.weight.size(0) > 1:
            tx_1 = self.propagate(edge_index, x=x, norm=norm, size=None) + diag * x
            out = out + tx_1 @ self.weight[1]
            for k in range(2, self.weight.size(0)):
                tx_2 = self.propagate(edge_index, x=tx_1, norm=norm, size=None) + diag * tx_1
                tx_2 = 2.0 * tx_2 - tx_0
                out = out + tx_2 @ self.weight[k]
                tx_0, tx_1 = tx_1, tx_2
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, x_j: Tensor, norm: Tensor) -> Tensor:
        return norm.view(-1, 1) * x_j

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"K={self.weight.size(0)}, normalization={self.normalization})")
