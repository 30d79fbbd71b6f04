"""Segment reductions over CSR pointers: ``out[i] = reduce(src[ptr[i]:ptr[i+1]])``.

Rows must be grouped contiguously (sorted index). Empty segments give 0.
Backend: ``torch_scatter.segment_csr`` when installed (one pass, no atomics), else
``torch.segment_reduce``; with ``DISTGNN_NATIVE=1`` in the environment (read once, at
import) the kernel from ``csrc/`` when built (see :mod:`distgnn.ops.native`).
"""
import os
import warnings
from typing import Optional

import torch
from torch import Tensor

from .segment_kernels import WITH_TORCH_SCATTER, segment_csr_scatter_kernels, segment_csr_torch

__all__ = ["segment_csr", "gather_csr", "ptr_from_index", "index_from_ptr", "WITH_TORCH_SCATTER"]

#: Reduce consecutive row segments of ``src`` (dim 0) delimited by ``ptr``.
segment_csr = segment_csr_scatter_kernels if WITH_TORCH_SCATTER else segment_csr_torch
if os.environ.get("DISTGNN_NATIVE") == "1":
    from .native import load_native as _load_native
    from .native import segment_csr_native as _segment_csr_csrc
    if _load_native():
        segment_csr = _segment_csr_csrc
    else:
        warnings.warn("DISTGNN_NATIVE=1 but the native library is not built (run: python -m "
                      "distgnn.ops.native --build); segment_csr keeps its default backend")


def gather_csr(src: Tensor, ptr: Tensor) -> Tensor:
    """Repeat row ``i`` of ``src`` ``ptr[i+1] - ptr[i]`` times (inverse of a segment)."""
    return src.repeat_interleave(ptr[1:] - ptr[:-1], dim=0)


def ptr_from_index(index: Tensor, size: Optional[int] = None) -> Tensor:
    """CSR pointer of a sorted group index: ``ptr[i]`` is where group ``i`` starts."""
    if size is None:
        size = int(index.max()) + 1 if index.numel() > 0 else 0
    counts = torch.bincount(index, minlength=size)[:size]
    ptr = index.new_zeros(size + 1)
    torch.cumsum(counts, 0, out=ptr[1:])
    return ptr


def index_from_ptr(ptr: Tensor) -> Tensor:
    """Group of every entry of a CSR pointer (inverse of :func:`ptr_from_index`)."""
    n = ptr.numel() - 1
    return torch.arange(n, device=ptr.device).repeat_interleave(ptr[1:] - ptr[:-1])
