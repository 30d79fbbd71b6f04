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
from .tensor_cache import TensorCache

__all__ = ["adj_t_from_edge_index", "cached_adj_t", "clear_adjacency_cache"]

_CACHE = TensorCache(max_entries=16)


def clear_adjacency_cache() -> None:
    """Forget every cached structure."""
    _CACHE.clear()


def _build(edge_index: Tensor, num_src: int, num_dst: int) -> Tuple[SparseTensor, Tensor]:
    order = torch.arange(edge_index.size(1), device=edge_index.device)
    adj = SparseTensor(row=edge_index[1], col=edge_index[0], value=order,
                       sparse_sizes=(num_dst, num_src))
    perm = adj.storage.value()
    structure = adj.set_value(None, layout="csr")
    structure.storage.colptr()  # the transposed layout the backward pass reads
    structure.storage.csr2csc()
    return structure, perm


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
