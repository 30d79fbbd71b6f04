"""Contraction of a clustered graph into a weighted CSR written to disk, coarse row by coarse row.

The vertices are grouped by cluster (a counting sort, O(num_nodes)); each coarse
row is the merged neighbourhood of its members' rows, read from the (memory-mapped)
fine CSR, and goes to the files as soon as a block of rows is complete. Memory:
the grouping, one rating array over the coarse vertices and one block of output.
"""
from __future__ import annotations

import os
from typing import Tuple

import numpy as np
from numba import njit

from .graph import Graph

__all__ = ["contract_to_disk", "open_graph"]

#: coarse entries buffered before they are written
OUT_ENTRIES = 1 << 23


@njit(cache=True)
def _group(cmap, nc, vw):
    """Members of every cluster (``members[start[c]:start[c+1]]``) and the cluster weights."""
    start = np.zeros(nc + 1, np.int64)
    cvw = np.zeros(nc, np.int64)
    for u in range(cmap.shape[0]):
        start[cmap[u] + 1] += 1
        cvw[cmap[u]] += vw[u]
    for c in range(nc):
        start[c + 1] += start[c]
    pos = start[:-1].copy()
    members = np.empty(cmap.shape[0], np.int64)
    for u in range(cmap.shape[0]):
        members[pos[cmap[u]]] = u
        pos[cmap[u]] += 1
    return members, start, cvw


@njit(cache=True)
def _rows(xadj, adj, wgt, cmap, members, start, c0, cap, rating, touched, out_adj, out_w, deg):
    """Coarse rows c0, c0+1, ... into ``out_adj``/``out_w`` while they fit ``cap`` entries (at least one row);
    returns (next row, entries)."""
    nc = start.shape[0] - 1
    pos = 0
    c = c0
    while c < nc:
        nt = 0
        for i in range(start[c], start[c + 1]):
            u = members[i]
            for e in range(xadj[u], xadj[u + 1]):
                d = cmap[adj[e]]
                if d == c:
                    continue
                if rating[d] == 0:
                    touched[nt] = d
                    nt += 1
                rating[d] += wgt[e]
        if pos + nt > cap and c > c0:
            for t in range(nt):
                rating[touched[t]] = 0
            break
        for t in range(nt):
            d = touched[t]
            out_adj[pos + t] = d
            out_w[pos + t] = rating[d]
            rating[d] = 0
        pos += nt
        deg[c] = nt
        c += 1
    return c, pos


def contract_to_disk(g: Graph, cmap: np.ndarray, nc: int, out_dir: str) -> Graph:
    """The coarse graph of ``g`` under ``cmap`` (int64[n] -> 0..nc-1): rows in ``out_dir`` (xadj.npy,
    adjncy.bin, adjwgt.bin, vwgt.npy), opened memory-mapped. Parallel coarse edges are merged (weights
    summed), edges inside a cluster dropped; the edge weights sum to the fine graph's weight between
    clusters."""
    os.makedirs(out_dir, exist_ok=True)
    members, start, cvw = _group(cmap, int(nc), g.vwgt[:, 0])
    id_dtype = np.int32 if nc < 2**31 else np.int64
    rating = np.zeros(int(nc), np.int64)
    touched = np.empty(int(nc), id_dtype)
    deg = np.zeros(int(nc), np.int64)
    cap = OUT_ENTRIES
    out_adj = np.empty(cap, id_dtype)
    out_w = np.empty(cap, np.int64)
    c, total = 0, 0
    with open(os.path.join(out_dir, "adjncy.bin"), "wb") as fa, open(os.path.join(out_dir, "adjwgt.bin"), "wb") as fw:
        while c < nc:
            width = int(_widest(g.xadj, members, start, c))
            if width > cap:  # one coarse row larger than the buffer: a buffer for it alone
                cap = width
                out_adj, out_w = np.empty(cap, id_dtype), np.empty(cap, np.int64)
            c, pos = _rows(g.xadj, g.adjncy, g.adjwgt, cmap, members, start, c, cap, rating, touched, out_adj,
                           out_w, deg)
            out_adj[:pos].tofile(fa)
            out_w[:pos].tofile(fw)
            total += pos
    del members, rating, touched, out_adj, out_w
    xadj = np.zeros(int(nc) + 1, np.int64)
    np.cumsum(deg, out=xadj[1:])
    np.save(os.path.join(out_dir, "xadj.npy"), xadj)
    np.save(os.path.join(out_dir, "vwgt.npy"), cvw.reshape(-1, 1))
    with open(os.path.join(out_dir, "dtype"), "w") as f:
        f.write(np.dtype(id_dtype).str)
    return open_graph(out_dir)


@njit(cache=True)
def _widest(xadj, members, start, c):
    """Entries that coarse row ``c`` may have at most: its members' degree sum."""
    s = 0
    for i in range(start[c], start[c + 1]):
        u = members[i]
        s += xadj[u + 1] - xadj[u]
    return s


def open_graph(where: str) -> Graph:
    """A graph :func:`contract_to_disk` wrote, its edge arrays memory-mapped read-only."""
    with open(os.path.join(where, "dtype")) as f:
        id_dtype = np.dtype(f.read().strip())
    xadj = np.load(os.path.join(where, "xadj.npy"))
    m = int(xadj[-1])
    if m:
        adj = np.memmap(os.path.join(where, "adjncy.bin"), dtype=id_dtype, mode="r", shape=(m,))
        w = np.memmap(os.path.join(where, "adjwgt.bin"), dtype=np.int64, mode="r", shape=(m,))
    else:
        adj, w = np.empty(0, id_dtype), np.empty(0, np.int64)
    return Graph(xadj, adj, w, np.load(os.path.join(where, "vwgt.npy")))
