"""Sparse x sparse matrix product on COO index/value pairs, differentiable in both
value vectors."""
import warnings
from typing import Optional, Tuple

import torch
from torch import Tensor

__all__ = ["spspmm"]


def _coo(index: Tensor, value: Optional[Tensor], size: Tuple[int, int],
         dtype: torch.dtype) -> Tensor:
    if value is None:
        value = torch.ones(index.size(1), dtype=dtype, device=index.device)
    return torch.sparse_coo_tensor(index, value, size, check_invariants=False).coalesce()


def spspmm(index_a: Tensor, value_a: Optional[Tensor], index_b: Tensor,
           value_b: Optional[Tensor], m: int, k: int, n: int) -> Tuple[Tensor, Tensor]:
    """``C = A @ B`` for ``A`` (``[m, k]``) and ``B`` (``[k, n]``) given as ``[2, nnz]``
    indices with values (``None`` = all ones; duplicates add up). Returns the
    coalesced ``(index, value)`` of ``C`` (row-major); gradients flow to both value
    vectors. (COO operands: torch's CSR x CSR backward is not exact.)"""
    dtype = value_a.dtype if value_a is not None else (
        value_b.dtype if value_b is not None else torch.get_default_dtype())
    if index_a.size(1) == 0 or index_b.size(1) == 0:
        return (torch.empty(2, 0, dtype=torch.long, device=index_a.device),
                torch.empty(0, dtype=dtype, device=index_a.device))
    a = _coo(index_a, value_a, (m, k), dtype)
    b = _coo(index_b, value_b, (k, n), dtype)
    with warnings.catch_warnings():  # torch flags its sparse CSR path as beta
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support")
        out = torch.sparse.mm(a, b).coalesce()
    return out.indices(), out.values()
