"""Edge-index → transposed-adjacency conversion with a structure cache.

Converting ``edge_index`` to a sorted CSR costs a sort of all edges; training
loops pass the same ``edge_index`` tensor every step, so the sorted structure
(with the transposed layout the backward pass needs) is cached per tensor object
and reused until the tensor is modified in place or freed. Only the edge values
are permuted on each call.
"""
from __future__ import annotations

import weakref
from typing import Dict, Optional, Tuple

import torch
from torch import Tensor

from ..typing import SparseTensor, WITH_TORCH_SPARSE

__all__ = ["adj_t_from_edge_index", "clear_adjacency_cache"]

# id(edge_index) -> (version, num_src, num_dst, structure, perm)
_CACHE: Dict[int, Tuple[int, int, int, SparseTensor, Tensor]] = {}
_MAX_ENTRIES = 16


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


def adj_t_from_edge_index(edge_index: Tensor, num_src: int, num_dst: int,
                          value: Optional[Tensor] = None) -> SparseTensor:
    """The transposed adjacency (``row = edge_index[1]``, ``col = edge_index[0]``)
    with ``value`` (one entry per edge, or ``None``) as its values."""
    if not WITH_TORCH_SPARSE:
        raise TypeError("adj_t_from_edge_index needs torch_sparse installed")
    key = id(edge_index)
    entry = _CACHE.get(key)
    if entry is None or entry[0] != edge_index._version or entry[1] != num_src \
            or entry[2] != num_dst:
        structure, perm = _build(edge_index, num_src, num_dst)
        if len(_CACHE) >= _MAX_ENTRIES:
            _CACHE.pop(next(iter(_CACHE)))
        if entry is None:
            weakref.finalize(edge_index, _CACHE.pop, key, None)
        entry = (edge_index._version, num_src, num_dst, structure, perm)
        _CACHE[key] = entry
    structure, perm = entry[3], entry[4]
    if value is None:
        return structure
    return structure.set_value(value[perm], layout="csr")
