"""Softmax over groups of entries (e.g. over the incoming edges of every node)."""
from typing import Optional

from torch import Tensor

from distgnn import ops
from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["softmax"]


def _index_softmax(src: Tensor, index: Tensor, num_nodes: int, dim: int) -> Tensor:
    src_max = ops.scatter(src.detach(), index, dim, num_nodes, reduce="max")
    out = (src - src_max.index_select(dim, index)).exp()
    total = ops.scatter(out, index, dim, num_nodes, reduce="sum")
    return out / (total.index_select(dim, index) + 1e-16)


def _ptr_softmax(src: Tensor, ptr: Tensor) -> Tensor:
    src_max = ops.gather_csr(ops.segment_csr(src.detach(), ptr, "max"), ptr)
    out = (src - src_max).exp()
    total = ops.gather_csr(ops.segment_csr(out, ptr, "sum"), ptr)
    return out / (total + 1e-16)


def softmax(src: Tensor, index: Optional[Tensor] = None, ptr: Optional[Tensor] = None,
            num_nodes: Optional[int] = None, dim: int = 0) -> Tensor:
    """Softmax of ``src`` along ``dim`` within groups.

    Groups are given either by ``index`` (group id of every entry) or by CSR pointers
    ``ptr`` (entries ``ptr[g]:ptr[g+1]`` form group ``g``). The maximum of every group
    is subtracted first, so large inputs do not overflow.
    """
    dim = dim + src.dim() if dim < 0 else dim
    if ptr is not None and dim == 0:
        return _ptr_softmax(src, ptr)
    if ptr is not None:
        group = ops.index_from_ptr(ptr)
    elif index is not None:
        group = index
    else:
        raise ValueError("softmax needs 'index' or 'ptr' to define the groups, got neither")
    if group.dim() != 1 or group.numel() != src.size(dim):
        raise ValueError(f"'index' must be 1-D with one entry per element of dim {dim} "
                         f"({src.size(dim)}), got shape {group.shape}")
    return _index_softmax(src, group, maybe_num_nodes(group, num_nodes), dim)
