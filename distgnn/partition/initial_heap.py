"""A max-heap of (int64 key, int64 value) pairs in flat arrays, for numba kernels."""
from __future__ import annotations

from numba import njit

__all__ = ["heap_push", "heap_pop"]


@njit(cache=True)
def heap_push(hk, hv, size, key, val):
    i = size
    hk[i] = key
    hv[i] = val
    while i > 0:
        par = (i - 1) >> 1
        if hk[par] >= hk[i]:
            break
        hk[par], hk[i] = hk[i], hk[par]
        hv[par], hv[i] = hv[i], hv[par]
        i = par
    return size + 1


@njit(cache=True)
def heap_pop(hk, hv, size):
    key, val = hk[0], hv[0]
    size -= 1
    hk[0], hv[0] = hk[size], hv[size]
    i = 0
    while True:
        l, r, m = 2 * i + 1, 2 * i + 2, i
        if l < size and hk[l] > hk[m]:
            m = l
        if r < size and hk[r] > hk[m]:
            m = r
        if m == i:
            break
        hk[m], hk[i] = hk[i], hk[m]
        hv[m], hv[i] = hv[i], hv[m]
        i = m
    return key, val, size
