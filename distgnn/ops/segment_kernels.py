"""The kernels behind :func:`distgnn.ops.segment_csr`, one per backend.

``segment_csr_scatter_kernels`` runs torch_scatter's CSR kernels (when installed),
``segment_csr_torch`` runs ``torch.segment_reduce``; the native kernel of ``csrc/``
is in :mod:`distgnn.ops.native`, and :mod:`distgnn.ops.segment` picks one of them.
"""
import torch
from torch import Tensor

__all__ = ["segment_csr_scatter_kernels", "segment_csr_torch", "check_reduce", "WITH_TORCH_SCATTER"]

try:
    import torch_scatter  # noqa: F401  (registers torch.ops.torch_scatter)
    WITH_TORCH_SCATTER = True
except ImportError:  # pragma: no cover - exercised only without torch_scatter
    WITH_TORCH_SCATTER = False


def check_reduce(reduce: str) -> str:
    """``reduce`` checked (``add`` read as ``sum``)."""
    if reduce == "add":
        return "sum"
    if reduce != "sum" and reduce != "mean" and reduce != "max" and reduce != "min":
        raise ValueError("segment_csr: reduce must be one of sum, add, mean, max, min; "
                         "got '" + reduce + "'")
    return reduce


def segment_csr_scatter_kernels(src: Tensor, ptr: Tensor, reduce: str = "sum") -> Tensor:
    """:func:`segment_csr` on torch_scatter's CSR kernels."""
    reduce = check_reduce(reduce)
    if reduce == "sum":
        return torch.ops.torch_scatter.segment_sum_csr(src, ptr, None)
    if reduce == "mean":
        return torch.ops.torch_scatter.segment_mean_csr(src, ptr, None)
    if reduce == "max":
        return torch.ops.torch_scatter.segment_max_csr(src, ptr, None)[0]
    return torch.ops.torch_scatter.segment_min_csr(src, ptr, None)[0]


def segment_csr_torch(src: Tensor, ptr: Tensor, reduce: str = "sum") -> Tensor:
    """:func:`segment_csr` on ``torch.segment_reduce``."""
    reduce = check_reduce(reduce)
    lengths = ptr[1:] - ptr[:-1]
    out = torch.segment_reduce(src, reduce, lengths=lengths, axis=0, unsafe=True)
    empty = (lengths == 0).view([-1] + [1] * (src.dim() - 1))
    return out.masked_fill(empty, 0.0)
