"""Sparse-dense matrix products ``out = A @ x`` with a reduction over each row.

``A`` is a ``torch_sparse.SparseTensor`` or a ``torch.sparse`` CSR/COO tensor.
A torch sparse tensor goes through ``torch.sparse.mm`` (fused gather + sum);
a SparseTensor through torch_sparse's CSR kernels, which also serve ``mean``,
``max`` and ``min`` and cache the transposed layout for the backward pass.
"""
from typing import Union

import torch
from torch import Tensor

from ..typing import SparseTensor, WITH_TORCH_SPARSE

__all__ = ["spmm", "to_torch_csr"]

if WITH_TORCH_SPARSE:
    from torch_sparse.matmul import spmm_max, spmm_min, spmm_sum


def to_torch_csr(adj: SparseTensor) -> Tensor:
    """The same matrix as a ``torch.sparse_csr`` tensor (values default to 1)."""
    rowptr, col, value = adj.csr()
    if value is None:
        value = torch.ones(col.numel(), device=col.device)
    return torch.sparse_csr_tensor(rowptr, col, value, adj.sizes()[:2])


def _spmm_sparse_tensor(adj: SparseTensor, x: Tensor, reduce: str) -> Tensor:
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
