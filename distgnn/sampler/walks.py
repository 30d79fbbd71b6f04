"""Random walks, context windows and negative samples (pure functions).

Entry points:

* :func:`random_walk` -- uniform or node2vec walks over a CSR.
* :func:`metapath_walk` -- walks over a typed graph along a metapath.
* :func:`context_windows`, :func:`negative_walks`, :func:`skipgram_samples`
  -- the ``(pos_rw, neg_rw)`` pairs a skip-gram model such as Node2Vec trains on.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from ._walk_kernels import metapath_walks, node2vec_walks, uniform_walks
from .csr import _as_int64, rows_sorted, sort_rows

__all__ = ["random_walk", "metapath_walk", "context_windows", "negative_walks",
           "skipgram_samples", "EdgeType"]

EdgeType = Tuple[str, str, str]


def _seed(seed: Optional[int]) -> int:
    if seed is None:
        return int(np.random.default_rng().integers(0, 2**62))
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    return int(seed)


def _check_csr(rowptr: np.ndarray, col: np.ndarray) -> None:
    if rowptr.ndim != 1 or rowptr.shape[0] < 1 or col.ndim != 1:
        raise ValueError(f"expected 1-D rowptr and col, got shapes {rowptr.shape} and {col.shape}")
    if rowptr[0] != 0 or rowptr[-1] != col.shape[0]:
        raise ValueError(f"rowptr must start at 0 and end at len(col)={col.shape[0]}, "
                         f"got {rowptr[0]} and {rowptr[-1]}")


def _check_start(start: np.ndarray, num_nodes: int, name: str = "start") -> None:
    if start.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {start.shape}")
    if start.size and (start.min() < 0 or start.max() >= num_nodes):
        raise ValueError(f"{name} ids must lie in [0, {num_nodes}), got range "
                         f"[{start.min()}, {start.max()}]")


def _sorted_copy(rowptr: np.ndarray, col: np.ndarray) -> np.ndarray:
    if rows_sorted(rowptr, col):
        return col
    col = col.copy()
    sort_rows(rowptr, col, np.arange(col.shape[0], dtype=np.int64))
    return col


def random_walk(rowptr, col, start, walk_length: int, p: float = 1.0, q: float = 1.0,
                seed: Optional[int] = None) -> Tensor:
    """Random walks of ``walk_length`` steps from each node of ``start``.

    ``rowptr``/``col`` is a CSR (row ``v`` lists the nodes a walker at ``v``
    may move to). With ``p == q == 1`` the walk is uniform; otherwise it is the
    node2vec second-order walk with return parameter ``p`` and in-out
    parameter ``q``, sampled exactly. A node without neighbours repeats
    itself. Returns a LongTensor ``[len(start), walk_length + 1]`` whose first
    column is ``start``; the same ``seed`` gives the same walks.
    """
    rowptr = _as_int64(rowptr, "rowptr")
    col = _as_int64(col, "col")
    start = _as_int64(start, "start")
    _check_csr(rowptr, col)
    _check_start(start, rowptr.shape[0] - 1)
    if not isinstance(walk_length, (int, np.integer)) or walk_length < 0:
        raise ValueError(f"walk_length must be a non-negative int, got {walk_length!r}")
    if not (p > 0 and q > 0):
        raise ValueError(f"p and q must be positive, got p={p}, q={q}")
    s = _seed(seed)
    if p == 1.0 and q == 1.0:
        out = uniform_walks(rowptr, col, start, np.int64(walk_length), np.int64(s))
    else:
        col = _sorted_copy(rowptr, col)
        out = node2vec_walks(rowptr, col, start, np.int64(walk_length),
                             1.0 / float(p), 1.0 / float(q), np.int64(s))
    return torch.from_numpy(out)


def _stack_relations(csrs: Dict[EdgeType, Tuple[np.ndarray, np.ndarray]], metapath: Sequence[EdgeType]):
    rels = list(dict.fromkeys(metapath))
    rowptrs, cols = [], []
    for et in rels:
        if et not in csrs:
            raise KeyError(f"metapath names edge type {et}, but the graph has {sorted(csrs)}")
        rp, c = (_as_int64(a, f"{et}") for a in csrs[et])
        _check_csr(rp, c)
        rowptrs.append(rp)
        cols.append(c)
    row_base = np.zeros(len(rels) + 1, np.int64)
    col_base = np.zeros(len(rels) + 1, np.int64)
    np.cumsum([r.shape[0] for r in rowptrs], out=row_base[1:])
    np.cumsum([c.shape[0] for c in cols], out=col_base[1:])
    path = np.array([rels.index(et) for et in metapath], np.int64)
    return np.concatenate(rowptrs), np.concatenate(cols), row_base, col_base, path, rowptrs


def metapath_walk(csrs: Dict[EdgeType, Tuple], metapath: Sequence[EdgeType], start,
                  walk_length: int, seed: Optional[int] = None) -> Tensor:
    """Walks over a typed graph following ``metapath`` cyclically.

    ``csrs[(src_type, rel, dst_type)] = (rowptr, col)`` maps a ``src_type`` id
    to the ``dst_type`` ids it links to (ids are per node type). Step ``s``
    follows ``metapath[s % len(metapath)]``; consecutive edge types must
    chain (``dst_type`` of one is ``src_type`` of the next, and the last
    chains into the first when the walk wraps). ``start`` holds ids of the
    first edge type's ``src_type``. Returns ``[len(start), walk_length + 1]``;
    a walk that reaches a node with no edge of the next type is padded with -1.
    """
    metapath = [tuple(et) for et in metapath]
    if not metapath:
        raise ValueError("metapath must name at least one edge type")
    for a, b in zip(metapath, metapath[1:] + metapath[:1]):
        if len(a) != 3 or len(b) != 3 or a[2] != b[0]:
            if b is metapath[0] and walk_length <= len(metapath):
                continue
            raise ValueError(f"metapath does not chain: {a} is followed by {b}")
    rowptrs, cols, row_base, col_base, path, parts = _stack_relations(csrs, metapath)
    start = _as_int64(start, "start")
    _check_start(start, parts[path[0]].shape[0] - 1)
    out = metapath_walks(rowptrs, cols, row_base, col_base, path, start,
                         np.int64(walk_length), np.int64(_seed(seed)))
    return torch.from_numpy(out)


def context_windows(walks: Tensor, context_size: int) -> Tensor:
    """All windows of ``context_size`` consecutive nodes of each walk.

    ``walks [W, L+1]`` gives ``[W * (L + 2 - context_size), context_size]``,
    window ``j`` of every walk before window ``j + 1``.
    """
    if walks.dim() != 2:
        raise ValueError(f"walks must be 2-D, got shape {tuple(walks.shape)}")
    length = walks.size(1)
    if not 1 <= context_size <= length:
        raise ValueError(f"context_size must be in [1, {length}], got {context_size}")
    return walks.unfold(1, context_size, 1).transpose(0, 1).reshape(-1, context_size)


def negative_walks(start: Tensor, walk_length: int, num_nodes: int,
                   seed: Optional[int] = None) -> Tensor:
    """Negative 'walks': each start node followed by ``walk_length`` uniform random nodes."""
    start = torch.as_tensor(start, dtype=torch.long).view(-1, 1)
    gen = torch.Generator().manual_seed(_seed(seed))
    rand = torch.randint(num_nodes, (start.size(0), walk_length), generator=gen)
    return torch.cat([start, rand], dim=1)


def skipgram_samples(walks: Tensor, num_nodes: int, context_size: int,
                     num_negative_samples: int = 1,
                     seed: Optional[int] = None) -> Tuple[Tensor, Tensor]:
    """``(pos_rw, neg_rw)`` for skip-gram training from positive ``walks``.

    ``pos_rw`` are the context windows of ``walks``; ``neg_rw`` the windows of
    ``num_negative_samples`` negative walks per walk, starting at the same
    nodes -- both ``[*, context_size]`` as Node2Vec's loss expects.
    """
    start = walks[:, 0].repeat(num_negative_samples)
    neg = negative_walks(start, walks.size(1) - 1, num_nodes, seed)
    return context_windows(walks, context_size), context_windows(neg, context_size)
