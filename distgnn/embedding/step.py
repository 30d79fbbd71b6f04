r"""The skip-gram-with-negative-sampling step for one pair (pure numba; no I/O).

word2vec's update (Mikolov et al., 2013): for an input node ``a`` (a context
node, row of the input table ``syn0``), its positive target ``b`` (the
window's centre, row of the output table ``syn1``) and negatives
``n_1..n_K`` (rows of ``syn1``), the loss

.. math::
    \ell = -\log\sigma(u_a^\top v_b) - \sum_k \log\sigma(-u_a^\top v_{n_k})

takes one gradient step of size ``lr`` with all gradients taken at the
current rows: with :math:`g_t = lr\,(y_t - \sigma(u_a^\top v_t))`
(:math:`y_b = 1`, :math:`y_{n_k} = 0`),
:math:`v_t \mathrel{+}= g_t u_a` and :math:`u_a \mathrel{+}= \sum_t g_t v_t`.
A negative equal to ``b`` is skipped, as in word2vec. With 5 distinct
negatives (the default, and the common case) the six scores are computed
first and all rows updated in one pass that loads the input row once -- the
same step, with half the memory traffic of one target at a time (and likewise
for one negative). Scores beyond +-16 take the sigmoid's limit (word2vec cuts
at 6; at 16 the float32 sigmoid is already 0 or 1), and the sigmoid is taken in
float32 (+18-28% pairs per CPU-second on Cora walks). Row-wise Adagrad
(as in PyTorch-BigGraph, Lerer et al., 2019) is the alternative step: one
accumulator per row, ``acc += mean(grad ** 2)``, step ``lr / sqrt(acc)``.
"""
import math
from typing import Optional, Tuple

import numpy as np
from numba import njit

from ._half import TABLE_DTYPES, kernel_view, load, store

__all__ = ["sgns_step", "adagrad_state"]


_ADA_EPS = 1e-10
#: scores beyond +-this take the sigmoid's limit
_MAX_SCORE = np.float32(16.0)


@njit(cache=True, nogil=True, inline="always")
def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _pair_step(syn0, syn1, a, b, negs, lr, work, with_loss, acc0, acc1):
    """One step for input row ``a``, positive row ``b`` and negative rows ``negs``:
    SGD, or row-wise Adagrad when ``acc0``/``acc1`` (per-row sums) are not empty."""
    d = syn0.shape[1]
    ada = acc0.shape[0] > 0
    usq = 0.0
    if ada:
        for k in range(d):
            u = load(syn0, a, k)
            usq += u * u
        usq /= d
    for k in range(d):
        work[k] = 0.0
    loss = 0.0
    for j in range(negs.shape[0] + 1):
        if j == 0:
            t = b
            label = 1.0
        else:
            t = negs[j - 1]
            label = 0.0
            if t == b:
                continue
        f = np.float32(0.0)
        for k in range(d):
            f += load(syn0, a, k) * load(syn1, t, k)
        ff = np.float64(f)
        sig = 1.0 / (1.0 + math.exp(-ff))
        if with_loss:
            loss += _softplus(-ff) if j == 0 else _softplus(ff)
        c = label - sig
        step = lr
        if ada:
            acc1[t] += c * c * usq
            step = lr / math.sqrt(acc1[t] + _ADA_EPS)
        gc = np.float32(c)
        gt = np.float32(c * step)
        for k in range(d):
            v = load(syn1, t, k)
            work[k] += gc * v
            store(syn1, t, k, v + gt * load(syn0, a, k))
    step = lr
    if ada:
        wsq = 0.0
        for k in range(d):
            wsq += work[k] * work[k]
        acc0[a] += wsq / d
        step = lr / math.sqrt(acc0[a] + _ADA_EPS)
    g0 = np.float32(step)
    for k in range(d):
        store(syn0, a, k, load(syn0, a, k) + g0 * work[k])
    return loss


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _sig_g(f, label, lr):
    x = np.float32(f)
    if x > _MAX_SCORE:  # word2vec's cut: the sigmoid is 1 or 0 to float32 precision there
        return np.float32((label - 1.0) * lr)
    if x < -_MAX_SCORE:
        return np.float32(label * lr)
    return np.float32((label - np.float32(1.0) / (np.float32(1.0) + math.exp(-x))) * lr)


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _pair_step5(syn0, syn1, a, t0, negs, lr, with_loss):
    """:func:`_pair_step` for SGD with 5 negatives distinct from each other and from
    ``t0``: all six scores first (the rows differ, so no step changes another's
    score), then one pass that updates the six output rows and the input row,
    with the input row's elements loaded once for all targets."""
    d = syn0.shape[1]
    t1, t2, t3, t4, t5 = negs[0], negs[1], negs[2], negs[3], negs[4]
    f0 = f1 = f2 = f3 = f4 = f5 = np.float32(0.0)
    for k in range(d):
        u = load(syn0, a, k)
        f0 += u * load(syn1, t0, k)
        f1 += u * load(syn1, t1, k)
        f2 += u * load(syn1, t2, k)
        f3 += u * load(syn1, t3, k)
        f4 += u * load(syn1, t4, k)
        f5 += u * load(syn1, t5, k)
    g0, g1, g2 = _sig_g(f0, 1.0, lr), _sig_g(f1, 0.0, lr), _sig_g(f2, 0.0, lr)
    g3, g4, g5 = _sig_g(f3, 0.0, lr), _sig_g(f4, 0.0, lr), _sig_g(f5, 0.0, lr)
    for k in range(d):
        u = load(syn0, a, k)
        v0, v1, v2 = load(syn1, t0, k), load(syn1, t1, k), load(syn1, t2, k)
        v3, v4, v5 = load(syn1, t3, k), load(syn1, t4, k), load(syn1, t5, k)
        store(syn0, a, k, u + (g0 * v0 + g1 * v1 + g2 * v2 + g3 * v3 + g4 * v4 + g5 * v5))
        store(syn1, t0, k, v0 + g0 * u)
        store(syn1, t1, k, v1 + g1 * u)
        store(syn1, t2, k, v2 + g2 * u)
        store(syn1, t3, k, v3 + g3 * u)
        store(syn1, t4, k, v4 + g4 * u)
        store(syn1, t5, k, v5 + g5 * u)
    if not with_loss:
        return 0.0
    loss = _softplus(-np.float64(f0))
    for f in (f1, f2, f3, f4, f5):
        loss += _softplus(np.float64(f))
    return loss


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _pair_step1(syn0, syn1, a, t0, t1, lr, with_loss):
    """:func:`_pair_step` for SGD with one negative ``t1 != t0``: both scores first,
    then one pass over the input row and the two output rows."""
    d = syn0.shape[1]
    f0 = f1 = np.float32(0.0)
    for k in range(d):
        u = load(syn0, a, k)
        f0 += u * load(syn1, t0, k)
        f1 += u * load(syn1, t1, k)
    g0, g1 = _sig_g(f0, 1.0, lr), _sig_g(f1, 0.0, lr)
    for k in range(d):
        u = load(syn0, a, k)
        v0, v1 = load(syn1, t0, k), load(syn1, t1, k)
        store(syn0, a, k, u + (g0 * v0 + g1 * v1))
        store(syn1, t0, k, v0 + g0 * u)
        store(syn1, t1, k, v1 + g1 * u)
    if not with_loss:
        return 0.0
    return _softplus(-np.float64(f0)) + _softplus(np.float64(f1))


@njit(cache=True, nogil=True, inline="always")
def _fast_kind(t0, negs):
    """5 or 1 when the fused step of that many distinct negatives applies, else 0."""
    if negs.shape[0] == 1:
        return 1 if negs[0] != t0 else 0
    return 5 if _distinct5(t0, negs) else 0


@njit(cache=True, nogil=True, inline="always")
def _distinct5(t0, negs):
    """True when the centre and its 5 negatives are 6 different rows."""
    if negs.shape[0] != 5:
        return False
    for x in range(5):
        if negs[x] == t0:
            return False
        for y in range(x + 1, 5):
            if negs[x] == negs[y]:
                return False
    return True


@njit(cache=True, nogil=True, fastmath=True)
def _sgns_step(syn0, syn1, a, b, negs, lr, acc0, acc1):
    work = np.empty(syn0.shape[1], np.float32)
    return _pair_step(syn0, syn1, a, b, negs, lr, work, True, acc0, acc1)


def _check_tables(syn0: np.ndarray, syn1: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The tables as the kernels take them (:func:`kernel_view`), after checking them."""
    for name, t in (("syn0", syn0), ("syn1", syn1)):
        if not isinstance(t, np.ndarray) or t.dtype not in TABLE_DTYPES or t.ndim != 2 \
                or not t.flags.c_contiguous or not t.flags.writeable:
            got = f"{type(t).__name__} {getattr(t, 'dtype', '')} {getattr(t, 'shape', '')}"
            raise TypeError(f"{name} must be a writeable C-contiguous float32 or float16 [n, d] "
                            f"array, got {got}")
    if syn0.shape != syn1.shape:
        raise ValueError(f"syn0 and syn1 must have the same shape, got {syn0.shape} and {syn1.shape}")
    return kernel_view(syn0), kernel_view(syn1)


@njit(cache=True, nogil=True, fastmath=True)
def _sgns_step5(syn0, syn1, a, b, negs, lr):
    return _pair_step5(syn0, syn1, a, b, negs, lr, True)


@njit(cache=True, nogil=True, fastmath=True)
def _sgns_step1(syn0, syn1, a, b, t1, lr):
    return _pair_step1(syn0, syn1, a, b, t1, lr, True)


def sgns_step(syn0: np.ndarray, syn1: np.ndarray, input_row: int, target_row: int,
              negatives, lr: float, adagrad: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> float:
    """Apply one skip-gram step in place; returns the pair's loss before the step.

    ``adagrad=(acc0, acc1)`` (float32 per-row sums of mean squared gradients, see
    :func:`adagrad_state`) makes it row-wise Adagrad: a row's step is
    ``lr / sqrt(acc + 1e-10)`` after adding its gradient's mean square to ``acc``.
    """
    syn0, syn1 = _check_tables(syn0, syn1)
    acc0, acc1 = _adagrad(adagrad, syn0.shape[0])
    negs = np.ascontiguousarray(negatives, dtype=np.int64)
    n = syn0.shape[0]
    for name, v in (("input_row", input_row), ("target_row", target_row)):
        if not 0 <= int(v) < n:
            raise ValueError(f"{name} must lie in [0, {n}), got {v}")
    if negs.ndim != 1 or (negs.size and (negs.min() < 0 or negs.max() >= n)):
        raise ValueError(f"negatives must be a 1-D array of rows in [0, {n}), got {negatives!r}")
    a, b = np.int64(input_row), np.int64(target_row)
    kind = _fast_kind(b, negs) if adagrad is None else 0  # the trainer's fast paths
    if kind == 5:
        return float(_sgns_step5(syn0, syn1, a, b, negs, float(lr)))
    if kind == 1:
        return float(_sgns_step1(syn0, syn1, a, b, negs[0], float(lr)))
    return float(_sgns_step(syn0, syn1, a, b, negs, float(lr), acc0, acc1))


def adagrad_state(num_rows: int) -> Tuple[np.ndarray, np.ndarray]:
    """Zeroed row-wise Adagrad sums for the input and output tables (4 bytes a row each)."""
    return np.zeros(num_rows, np.float32), np.zeros(num_rows, np.float32)


def _adagrad(adagrad, rows: int):
    if adagrad is None:
        empty = np.zeros(0, np.float32)
        return empty, empty
    acc0, acc1 = adagrad
    for name, acc in (("acc0", acc0), ("acc1", acc1)):
        if not (isinstance(acc, np.ndarray) and acc.dtype == np.float32 and acc.shape == (rows,)
                and acc.flags.c_contiguous and acc.flags.writeable):
            raise TypeError(f"adagrad {name} must be a writeable float32 array of shape ({rows},), "
                            f"got {getattr(acc, 'dtype', type(acc).__name__)} "
                            f"{getattr(acc, 'shape', '')}")
    return acc0, acc1
