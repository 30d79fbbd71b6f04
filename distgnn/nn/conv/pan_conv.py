r"""PANConv, from Ma et al., "Path Integral Based Convolution and Pooling for Graph
Neural Networks" (NeurIPS 2020).

.. math::
    \mathbf{X}^{\prime} = \mathbf{M} \mathbf{X} \mathbf{W}, \qquad
    \mathbf{M} = \mathbf{Z}^{-1/2} \sum_{n=0}^L e^{-\frac{E(n)}{T}} \mathbf{A}^n
    \mathbf{Z}^{-1/2}

The path weights are learned as :math:`e^{-E(n)/T} = \prod_{k=0}^{n} w_k` (``weight``,
initialised to ``0.5``), :math:`(\mathbf{A}^n)_{ij}` counts the paths of length
:math:`n` and :math:`\mathbf{Z}` is the diagonal of row sums of the weighted sum.
"""
from typing import List, Tuple

import torch
from torch import Tensor
from torch.nn import Linear, Parameter

from ... import ops
from ...typing import Adj, SparseTensor
from .message_passing import MessagePassing

__all__ = ["PANConv"]


def _path_counts(adj_t: SparseTensor, filter_size: int) -> List[SparseTensor]:
    """``[I, A, A^2, ..., A^L]`` with path counts as values (no gradient needed)."""
    n = adj_t.sparse_size(0)
    power = SparseTensor.eye(n, n, has_value=True, dtype=adj_t.storage.value().dtype,
                             device=adj_t.device())
    out = [power]
    for _ in range(filter_size):
        power = power @ adj_t
        out.append(power)
    return out


class PANConv(MessagePassing):
    r"""The path integral based convolutional operator (Ma et al., NeurIPS 2020).

    .. math::
        \mathbf{X}^{\prime} = \mathbf{M} \mathbf{X} \mathbf{W}, \qquad
        \mathbf{M} = \mathbf{Z}^{-1/2} \sum_{n=0}^L e^{-\frac{E(n)}{T}} \mathbf{A}^n
        \mathbf{Z}^{-1/2}

    with the learned path weights :math:`e^{-E(n)/T} = \prod_{k \le n} w_k` and
    :math:`Z_{ii}` the row sums of the weighted sum. :meth:`forward` returns
    ``(out, M)``, ``M`` being the (transposed, target-by-source) ``SparseTensor``.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        filter_size (int): The largest path length :math:`L`.
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor"}

    def __init__(self, in_channels: int, out_channels: int, filter_size: int, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if not isinstance(filter_size, int) or filter_size < 0:
            raise ValueError(f"PANConv: filter_size must be a non-negative int, got "
                             f"{filter_size!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.filter_size = filter_size
        self.lin = Linear(in_channels, out_channels)
        self.weight = Parameter(torch.empty(filter_size + 1))
        self.reset_parameters()

    def reset_parameters(self):
        self.lin.reset_parameters()
        self.weight.data.fill_(0.5)

    def forward(self, x: Tensor, edge_index: Adj) -> Tuple[Tensor, SparseTensor]:
        n = x.size(0)
        if isinstance(edge_index, SparseTensor):
            adj_t = edge_index.fill_value(1.0, dtype=x.dtype)
        else:
            adj_t = SparseTensor(row=edge_index[1], col=edge_index[0],
                                 value=x.new_ones(edge_index.size(1)), sparse_sizes=(n, n))
        M = self.panentropy(adj_t)
        out = self.propagate(M, x=x, size=None)
        return self.lin(out), M

    def panentropy(self, adj_t: SparseTensor) -> SparseTensor:
        r"""The normalised maximal entropy transition matrix :math:`\mathbf{M}`."""
        with torch.no_grad():
            powers = _path_counts(adj_t, self.filter_size)
        coef = torch.cumprod(self.weight, dim=0).to(adj_t.storage.value().dtype)
        row = torch.cat([p.storage.row() for p in powers])
        col = torch.cat([p.storage.col() for p in powers])
        value = torch.cat([p.storage.value() * coef[k] for k, p in enumerate(powers)])
        size = (adj_t.sparse_size(0), adj_t.sparse_size(1))
        m = SparseTensor(row=row, col=col, value=value, sparse_sizes=size).coalesce("sum")
        row, col, value = m.storage.row(), m.storage.col(), m.storage.value()
        z = ops.segment_csr(value, m.storage.rowptr(), "sum")
        z_inv_sqrt = z.pow(-0.5).masked_fill(z == 0, 0.0)
        value = z_inv_sqrt[row] * value * z_inv_sqrt[col]
        return m.set_value(value, layout="coo")

    def message(self, x_j: Tensor) -> Tensor:
        raise RuntimeError("PANConv propagates over its SparseTensor M only")

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        return ops.spmm(adj_t, x, reduce="sum")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"filter_size={self.filter_size})")
