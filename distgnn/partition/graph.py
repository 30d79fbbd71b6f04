"""The undirected weighted CSR that the partitioners work on, built with numba.

``build_csr`` turns an edge list into a symmetric adjacency without self loops in
which parallel edges are merged and their weights summed; the cut of a partition
is measured on this graph.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np
from numba import njit

__all__ = ["Graph", "build_csr", "graph_from_disk_csr", "unit_weights", "edge_cut", "part_weights", "imbalance"]


class Graph(NamedTuple):
    """Symmetric CSR: ``xadj`` int64[n+1], ``adjncy`` int32[m] (int64 from 2**31 nodes), ``adjwgt``
    int[m] and ``vwgt`` int64[n, ncon]; unit weights may be zero-stride views (:func:`unit_weights`)."""

    xadj: np.ndarray
    adjncy: np.ndarray
    adjwgt: np.ndarray
    vwgt: np.ndarray

    @property
    def num_nodes(self) -> int:
        return self.xadj.shape[0] - 1


@njit(cache=True)
def _count(src, dst, n):
    deg = np.zeros(n + 1, np.int64)
    for e in range(src.shape[0]):
        u, v = src[e], dst[e]
        if u != v:
            deg[u + 1] += 1
            deg[v + 1] += 1
    return deg


def unit_weights(shape) -> np.ndarray:
    """Read-only int64 ones of ``shape`` that take no memory (a zero-stride view)."""
    return np.broadcast_to(np.ones(1, np.int64).reshape((1,) * len(tuple(np.atleast_1d(shape)))),
                           tuple(np.atleast_1d(shape)))


def graph_from_disk_csr(csr) -> Graph:
    """The partitioners' :class:`Graph` on a symmetric, loop-free, deduplicated on-disk CSR, without copies:
    its memory maps as ``xadj`` / ``adjncy``, unit edge and vertex weights as zero-stride views."""
    meta = csr.meta
    if not (meta.get("symmetrized") and meta.get("deduplicated") and meta.get("self_loops_removed")):
        raise ValueError("the partitioners need an undirected CSR (symmetrised, deduplicated, without self "
                         f"loops), got symmetrized={meta.get('symmetrized')}, deduplicated={meta.get('deduplicated')}, "
                         f"self_loops_removed={meta.get('self_loops_removed')}")
    return Graph(csr.rowptr, csr.col, unit_weights(csr.num_edges), unit_weights((csr.num_nodes, 1)))


@njit(cache=True)
def _fill(src, dst, w, xadj, n, adj):
    m = xadj[n]
    wgt = np.empty(m, np.int64)
    pos = xadj[:-1].copy()
    for e in range(src.shape[0]):
        u, v = src[e], dst[e]
        if u != v:
            adj[pos[u]] = v
            wgt[pos[u]] = w[e]
            pos[u] += 1
            adj[pos[v]] = u
            wgt[pos[v]] = w[e]
            pos[v] += 1
    return adj, wgt


@njit(cache=True)
def _merge(xadj, adj, wgt, n):
    """Merge parallel entries of each row in place (marker array), return compacted CSR."""
    slot = np.full(n, -1, np.int64)
    out_ptr = np.zeros(n + 1, np.int64)
    k = 0
    for u in range(n):
        start = k
        for e in range(xadj[u], xadj[u + 1]):
            v = adj[e]
            s = slot[v]
            if s >= start:
                wgt[s] += wgt[e]
            else:
                slot[v] = k
                adj[k] = v
                wgt[k] = wgt[e]
                k += 1
        out_ptr[u + 1] = k
    return out_ptr, k


def build_csr(edge_index: np.ndarray, num_nodes: int, edge_weight: Optional[np.ndarray] = None,
              node_weight: Optional[np.ndarray] = None) -> Graph:
    """Symmetrised, loop-free, merged CSR of ``edge_index`` (int64 [2, E]).

    Each input edge (u, v) contributes its weight to both {u, v} entries; a pair
    given in both directions therefore gets the sum of both weights.
    """
    src = np.ascontiguousarray(edge_index[0], dtype=np.int64)
    dst = np.ascontiguousarray(edge_index[1], dtype=np.int64)
    w = np.ones(src.shape[0], np.int64) if edge_weight is None else np.ascontiguousarray(edge_weight, np.int64)
    deg = _count(src, dst, num_nodes)
    xadj = np.cumsum(deg)
    adj = np.empty(int(xadj[-1]), np.int32 if num_nodes < 2**31 else np.int64)
    adj, wgt = _fill(src, dst, w, xadj, num_nodes, adj)
    xadj, k = _merge(xadj, adj, wgt, num_nodes)
    adj, wgt = adj[:k].copy(), wgt[:k].copy()
    if node_weight is None:
        vwgt = np.ones((num_nodes, 1), np.int64)
    else:
        vwgt = np.ascontiguousarray(node_weight, np.int64).reshape(num_nodes, -1)
    return Graph(xadj, adj, wgt, vwgt)


@njit(cache=True)
def _cut(xadj, adj, wgt, part):
    c = 0
    for u in range(xadj.shape[0] - 1):
        pu = part[u]
        for e in range(xadj[u], xadj[u + 1]):
            if part[adj[e]] != pu:
                c += wgt[e]
    return c // 2


def edge_cut(g: Graph, part: np.ndarray) -> int:
    """Total weight of the edges of ``g`` whose ends lie in different parts."""
    return int(_cut(g.xadj, g.adjncy, g.adjwgt, np.ascontiguousarray(part, np.int64)))


def part_weights(vwgt: np.ndarray, part: np.ndarray, k: int) -> np.ndarray:
    """int64[k, ncon]: summed node weights of every part."""
    out = np.zeros((k, vwgt.shape[1]), np.int64)
    for c in range(vwgt.shape[1]):
        out[:, c] = np.bincount(part, weights=vwgt[:, c], minlength=k)[:k].round().astype(np.int64)
    return out


def imbalance(vwgt: np.ndarray, part: np.ndarray, k: int) -> np.ndarray:
    """Per constraint: max part weight / (total / k) (1.0 is perfect balance)."""
    pw = part_weights(vwgt, part, k)
    tot = pw.sum(axis=0).astype(np.float64)
    return pw.max(axis=0) * k / np.maximum(tot, 1)
