"""Counter-based random numbers for numba kernels (splitmix64).

Every random decision is keyed by ``(seed, a, b)`` -- e.g. the batch seed, the
hop and the global node id -- so a result does not depend on the order in
which nodes are visited, on threads, or on how the graph is split into parts.
"""
import numpy as np
from numba import njit

__all__ = ["mix64", "key3", "next_unit", "GOLDEN"]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@njit(cache=True, nogil=True, inline="always")
def mix64(z):
    """The splitmix64 finaliser: a bijective, well-mixing map on uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True, inline="always")
def key3(seed, a, b):
    """A stream state derived from three int64 keys."""
    h = mix64(np.uint64(seed) + GOLDEN)
    h = mix64(h ^ (np.uint64(a) + GOLDEN))
    return mix64(h ^ (np.uint64(b) * GOLDEN))


@njit(cache=True, nogil=True, inline="always")
def next_unit(state):
    """Advance ``state``; return ``(state, u)`` with u uniform in [0, 1)."""
    state = state + GOLDEN
    return state, np.float64(mix64(state) >> _S11) * _INV53
