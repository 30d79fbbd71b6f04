"""Edge-index → transposed-adjacency conversion with a structure cache.

Converting ``edge_index`` to a sorted CSR costs a sort of all edges (two with the
transposed layout the backward pass reads). Training loops pass the same
``edge_index`` tensor every step, so the sorted structure is built the second time
a tensor is seen and reused until it is modified in place or freed; only the edge
values are permuted on each call.
"""
from __future__ import annotations

from typing import Optional, Tuple

from torch import Tensor
import torch

from ..typing import SparseTensor, WITH_TORCH_SPARSE

if WITH_TORCH_SPARSE:
    from torch_sparse.storage import SparseStorage
from .tensor_cache import TensorCache

__all__ = ["adj_t_from_edge_index", "cached_adj_t", "clear_adjacency_cache"]

_CACHE = TensorCache(max_entries=16)


def clear_adjacency_cache() -> None:
    """Forget every cached structure."""
    _CACHE.clear()


def _build(edge_index: Tensor, num_src: int, num_dst: int) -> Tuple[SparseTensor, Tensor]:
    """The CSR structure of the transposed adjacency and the edge permutation into it.

    Edges of one target keep their ``edge_index`` order (stable sort by target), and
    the transposed (CSC) layout keeps the edges of one source in ``edge_index`` order
    too, so sums over the structure add in the order that gather + scatter does: the
    fused and the unfused paths give bit-identical results and gradients.
    """
    src, dst = edge_index[0], edge_index[1]
    perm = torch.sort(dst, stable=True).indices
    row, col = dst[perm], src[perm]
    rowptr = torch._convert_indices_from_coo_to_csr(row, num_dst)
    by_src = torch.sort(src, stable=True).indices
    position = torch.empty_like(perm)
    position[perm] = torch.arange(perm.numel(), device=perm.device)
    colptr = torch._convert_indices_from_coo_to_csr(src[by_src], num_src)
    storage = SparseStorage(row=row, rowptr=rowptr, col=col, value=None,
                            sparse_sizes=(num_dst, num_src), colptr=colptr,
                            csr2csc=position[by_src], is_sorted=True, trust_data=True)
    return SparseTensor.from_storage(storage), perm


def _with_values(structure: SparseTensor, perm: Tensor,
                 value: Optional[Tensor]) -> SparseTensor:
    return structure if value is None else structure.set_value(value[perm], layout="csr")


def adj_t_from_edge_index(edge_index: Tensor, num_src: int, num_dst: int,
                          value: Optional[Tensor] = None) -> SparseTensor:
    """The transposed adjacency (``row = edge_index[1]``, ``col = edge_index[0]``)
    with ``value`` (one entry per edge, or ``None``) as its values."""
    if not WITH_TORCH_SPARSE:
        raise TypeError("adj_t_from_edge_index needs torch_sparse installed")
    entry = _CACHE.get(edge_index, (num_src, num_dst))
    if entry is None:
        entry = _build(edge_index, num_src, num_dst)
        _CACHE.put(edge_index, (num_src, num_dst), entry)
    return _with_values(entry[0], entry[1], value)


def cached_adj_t(edge_index: Tensor, num_src: int, num_dst: int,
                 value: Optional[Tensor] = None) -> Optional[SparseTensor]:
    """Like :func:`adj_t_from_edge_index` for a tensor seen before, else ``None``
    (a one-off graph is cheaper to aggregate with gather + scatter than to sort)."""
    if not WITH_TORCH_SPARSE:
        return None
    entry = _CACHE.get(edge_index, (num_src, num_dst))
    if entry is not None:
        return _with_values(entry[0], entry[1], value)
    if not _CACHE.seen_before(edge_index):
        return None
    return adj_t_from_edge_index(edge_index, num_src, num_dst, value)
