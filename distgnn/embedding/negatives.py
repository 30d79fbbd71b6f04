"""Negative-sampling distribution: Walker's alias table (pure numba; no I/O).

word2vec draws negatives from the unigram distribution raised to 3/4
(Mikolov et al., 2013). For walks on a graph a node's frequency is
proportional to its degree (the walk's stationary distribution on an
undirected graph), so the negatives follow ``degree ** 0.75``. The alias
table (Walker, 1977; Vose, 1991) draws from any discrete distribution in
O(1) with one uniform number and two reads, and costs 8 bytes per node.
"""
from typing import Tuple

import numpy as np
from numba import njit

__all__ = ["alias_table", "alias_draw", "degree_weights"]


@njit(cache=True, nogil=True)
def _build(weights, prob, alias):
    n = weights.shape[0]
    total = 0.0
    for i in range(n):
        total += weights[i]
    scaled = np.empty(n, np.float64)
    small = np.empty(n, np.int64)
    large = np.empty(n, np.int64)
    ns = 0
    nl = 0
    for i in range(n):
        scaled[i] = weights[i] * n / total
        alias[i] = i
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        g = large[nl - 1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            nl -= 1
            small[ns] = g
            ns += 1
    for k in range(nl):
        prob[large[k]] = 1.0
    for k in range(ns):  # left over from rounding
        prob[small[k]] = 1.0


def alias_table(weights) -> Tuple[np.ndarray, np.ndarray]:
    """``(prob float32 [n], alias int32 [n])`` drawing ``i`` with probability
    ``weights[i] / weights.sum()``; all-zero weights give the uniform distribution."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] == 0:
        raise ValueError(f"weights must be a non-empty 1-D array, got shape {w.shape}")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError("weights must be finite and >= 0")
    if w.sum() <= 0:
        w = np.ones_like(w)
    if w.shape[0] >= 2**31:
        raise ValueError(f"alias tables hold at most 2**31 - 1 entries, got {w.shape[0]}")
    prob = np.empty(w.shape[0], np.float64)
    alias = np.empty(w.shape[0], np.int64)
    _build(w, prob, alias)
    return prob.astype(np.float32), alias.astype(np.int32)


@njit(cache=True, nogil=True, inline="always")
def alias_draw(prob, alias, u):
    """Index drawn from the table with one uniform ``u`` in [0, 1): its integer part
    (times n) picks a column, its fraction decides between the column and its alias."""
    n = prob.shape[0]
    x = u * n
    i = min(np.int64(x), n - 1)
    if x - i < prob[i]:
        return i
    return np.int64(alias[i])


def degree_weights(rowptr, power: float = 0.75) -> np.ndarray:
    """``degree ** power`` of every row of a CSR (float64)."""
    rowptr = np.asarray(rowptr)
    return np.diff(rowptr).astype(np.float64) ** power
