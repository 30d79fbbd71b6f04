"""Sparse-dense matrix products ``out = A @ x`` with a reduction over each row.

``A`` is a ``torch_sparse.SparseTensor`` or a ``torch.sparse`` CSR/COO tensor.
A torch sparse tensor goes through ``torch.sparse.mm`` (fused gather + sum);
a SparseTensor through torch_sparse's CSR kernels, which also serve ``mean``,
``max`` and ``min`` and cache the transposed layout for the backward pass.

torch_sparse's CPU kernels divide by the number of rows and by the number of
feature columns when they size their parallel work, so a matrix without rows
(a graph of 0 nodes), without columns, without entries or an ``x`` of 0 features
would stop the process with SIGFPE (its ``max``/``min`` backward also indexes
past an empty value vector). Those products hold no entry at all: they are
zeros of the output's shape, computed here by gather + scatter, which keeps
the autograd graph (zero gradients for ``x`` and the values).
"""
from typing import Union

import torch
from torch import Tensor

from ..typing import SparseTensor, WITH_TORCH_SPARSE
from .scatter import scatter

__all__ = ["spmm", "to_torch_csr"]

if WITH_TORCH_SPARSE:
    from torch_sparse.matmul import spmm_max, spmm_min, spmm_sum


def to_torch_csr(adj: SparseTensor) -> Tensor:
    """The same matrix as a ``torch.sparse_csr`` tensor (values default to 1)."""
    rowptr, col, value = adj.csr()
    if value is None:
        value = torch.ones(col.numel(), device=col.device)
    return torch.sparse_csr_tensor(rowptr, col, value, adj.sizes()[:2])


def _is_degenerate(adj: SparseTensor, x: Tensor) -> bool:
    """Whether the kernels would divide by zero: no rows, columns, entries or features."""
    return (adj.sparse_size(0) == 0 or adj.sparse_size(1) == 0 or adj.nnz() == 0
            or x.numel() == 0)


def _spmm_gather_scatter(adj: SparseTensor, x: Tensor, reduce: str) -> Tensor:
    """``A @ x`` by gathering ``x[col]`` and scattering into rows (degenerate shapes)."""
    row, col, value = adj.coo()
    msg = x.index_select(0, col)
    if value is not None:
        msg = msg * value.view([-1] + [1] * (x.dim() - 1)).to(msg.dtype)
    return scatter(msg, row, 0, adj.sparse_size(0), reduce=reduce)


def _spmm_sparse_tensor(adj: SparseTensor, x: Tensor, reduce: str) -> Tensor:
    if _is_degenerate(adj, x) and reduce in ("sum", "add", "mean", "max", "min"):
        return _spmm_gather_scatter(adj, x, reduce)
    if reduce == "sum" or reduce == "add":
        return spmm_sum(adj, x)
    if reduce == "mean":
        # sum / count, the same operations (forward and backward) as scatter_mean
        count = adj.storage.rowcount().clamp(min=1).to(x.dtype)
        return spmm_sum(adj, x) / count.view([-1] + [1] * (x.dim() - 1))
    if reduce == "max":
        return spmm_max(adj, x)[0]
    if reduce == "min":
        return spmm_min(adj, x)[0]
    raise ValueError("spmm: reduce must be one of sum, add, mean, max, min; got '"
                     + reduce + "'")


def spmm(adj: Union[Tensor, SparseTensor], x: Tensor, reduce: str = "sum") -> Tensor:
    """``A @ x`` reducing each row's products with ``reduce`` (sum, mean, max, min)."""
    if isinstance(adj, Tensor):
        if reduce != "sum" and reduce != "add":
            raise ValueError("spmm: torch sparse tensors support reduce='sum' only, got '"
                             + reduce + "'; pass a SparseTensor for other reductions")
        return torch.sparse.mm(adj, x)
    return _spmm_sparse_tensor(adj, x, reduce)
