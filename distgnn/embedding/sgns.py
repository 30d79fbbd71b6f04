r"""Skip-gram with negative sampling, one SGD step per pair (pure numba; no I/O).

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
same step, with half the memory traffic of one target at a time. Row-wise Adagrad
(as in PyTorch-BigGraph, Lerer et al., 2019) is the alternative step: one
accumulator per row, ``acc += mean(grad ** 2)``, step ``lr / sqrt(acc)``.

:func:`train_walks` runs it over every (context, centre) pair of a batch of
walks: word2vec's reduced window (a window of ``b`` uniform in
``1..window`` on each side of each centre), optional subsampling of frequent
nodes, and a learning rate decaying linearly over the batch. The centre's
``K`` negatives are drawn once and shared by the pairs of its window, so the
output rows of a window stay in cache (Ji et al., 2016, "Parallelizing
Word2Vec in Shared and Distributed Memory"). Threads share the tables without
locks (Hogwild, Recht et al., 2011), taking blocks of walks as they free up.

Every random draw is keyed by ``(seed, walk id, position)``, so one thread
repeats a run exactly, and the rows a batch will touch are known before it
runs (:func:`touched_rows`) -- what a sharded table pulls.
"""
import math
from typing import Optional, Tuple

import numba
import numpy as np
from numba import njit, prange

from distgnn.sampler._rng import key3, next_unit

from ._prefetch import prefetch_row
from .negatives import alias_draw

__all__ = ["sgns_step", "train_walks", "touched_rows", "expected_pairs", "adagrad_state"]


_ADA_EPS = 1e-10


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
            usq += syn0[a, k] * syn0[a, k]
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
            f += syn0[a, k] * syn1[t, k]
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
            work[k] += gc * syn1[t, k]
            syn1[t, k] += gt * syn0[a, k]
    step = lr
    if ada:
        wsq = 0.0
        for k in range(d):
            wsq += work[k] * work[k]
        acc0[a] += wsq / d
        step = lr / math.sqrt(acc0[a] + _ADA_EPS)
    g0 = np.float32(step)
    for k in range(d):
        syn0[a, k] += g0 * work[k]
    return loss


@njit(cache=True, nogil=True, inline="always")
def _sig_g(f, label, lr):
    return np.float32((label - 1.0 / (1.0 + math.exp(-np.float64(f)))) * lr)


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
        u = syn0[a, k]
        f0 += u * syn1[t0, k]
        f1 += u * syn1[t1, k]
        f2 += u * syn1[t2, k]
        f3 += u * syn1[t3, k]
        f4 += u * syn1[t4, k]
        f5 += u * syn1[t5, k]
    g0, g1, g2 = _sig_g(f0, 1.0, lr), _sig_g(f1, 0.0, lr), _sig_g(f2, 0.0, lr)
    g3, g4, g5 = _sig_g(f3, 0.0, lr), _sig_g(f4, 0.0, lr), _sig_g(f5, 0.0, lr)
    for k in range(d):
        u = syn0[a, k]
        v0, v1, v2 = syn1[t0, k], syn1[t1, k], syn1[t2, k]
        v3, v4, v5 = syn1[t3, k], syn1[t4, k], syn1[t5, k]
        syn0[a, k] = u + (g0 * v0 + g1 * v1 + g2 * v2 + g3 * v3 + g4 * v4 + g5 * v5)
        syn1[t0, k] = v0 + g0 * u
        syn1[t1, k] = v1 + g1 * u
        syn1[t2, k] = v2 + g2 * u
        syn1[t3, k] = v3 + g3 * u
        syn1[t4, k] = v4 + g4 * u
        syn1[t5, k] = v5 + g5 * u
    if not with_loss:
        return 0.0
    loss = _softplus(-np.float64(f0))
    for f in (f1, f2, f3, f4, f5):
        loss += _softplus(np.float64(f))
    return loss


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
    work = np.empty(syn0.shape[1], syn0.dtype)
    return _pair_step(syn0, syn1, a, b, negs, lr, work, True, acc0, acc1)


def _check_tables(syn0: np.ndarray, syn1: np.ndarray) -> None:
    for name, t in (("syn0", syn0), ("syn1", syn1)):
        if not isinstance(t, np.ndarray) or t.dtype != np.float32 or t.ndim != 2 \
                or not t.flags.c_contiguous or not t.flags.writeable:
            got = f"{type(t).__name__} {getattr(t, 'dtype', '')} {getattr(t, 'shape', '')}"
            raise TypeError(f"{name} must be a writeable C-contiguous float32 [n, d] array, got {got}")
    if syn0.shape != syn1.shape:
        raise ValueError(f"syn0 and syn1 must have the same shape, got {syn0.shape} and {syn1.shape}")


@njit(cache=True, nogil=True, fastmath=True)
def _sgns_step5(syn0, syn1, a, b, negs, lr):
    return _pair_step5(syn0, syn1, a, b, negs, lr, True)


def sgns_step(syn0: np.ndarray, syn1: np.ndarray, input_row: int, target_row: int,
              negatives, lr: float, adagrad: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> float:
    """Apply one skip-gram step in place; returns the pair's loss before the step.

    ``adagrad=(acc0, acc1)`` (float32 per-row sums of mean squared gradients, see
    :func:`adagrad_state`) makes it row-wise Adagrad: a row's step is
    ``lr / sqrt(acc + 1e-10)`` after adding its gradient's mean square to ``acc``.
    """
    _check_tables(syn0, syn1)
    acc0, acc1 = _adagrad(adagrad, syn0.shape[0])
    negs = np.ascontiguousarray(negatives, dtype=np.int64)
    n = syn0.shape[0]
    for name, v in (("input_row", input_row), ("target_row", target_row)):
        if not 0 <= int(v) < n:
            raise ValueError(f"{name} must lie in [0, {n}), got {v}")
    if negs.ndim != 1 or (negs.size and (negs.min() < 0 or negs.max() >= n)):
        raise ValueError(f"negatives must be a 1-D array of rows in [0, {n}), got {negatives!r}")
    a, b = np.int64(input_row), np.int64(target_row)
    if adagrad is None and _distinct5(b, negs):  # the trainer's fast path for this case
        return float(_sgns_step5(syn0, syn1, a, b, negs, float(lr)))
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


@njit(cache=True, nogil=True, inline="always")
def _row(ids, v):
    """Row of node ``v``: ``v`` itself, or its index in the sorted ``ids`` when given."""
    if ids.shape[0] == 0:
        return v
    lo = 0
    hi = ids.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if ids[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True, inline="always")
def _keep_nodes(walks, w, keep, state, pos):
    """Positions of the walk's nodes that survive subsampling (a -1 ends a walk: padding,
    or a walker stuck at a node without out-edges)."""
    n = 0
    for s in range(walks.shape[1]):
        v = walks[w, s]
        if v < 0:
            break
        if keep.shape[0] > 0:
            kv = keep[v]
            if kv < 1.0:
                state, u = next_unit(state)
                if u >= kv:
                    continue
        pos[n] = s
        n += 1
    return n, state


@njit(cache=True, nogil=True, inline="always")
def _draw_negatives(prob, alias, seed, walk_id, s, negs):
    state = key3(seed, walk_id, s + 1)
    for k in range(negs.shape[0]):
        state, u = next_unit(state)
        negs[k] = alias_draw(prob, alias, u)


@njit(cache=True, nogil=True, inline="always")
def _next_negatives(syn1, prob, alias, ids, seed, walk_id, s, nxt):
    """Draw the negatives of the centre at walk position ``s`` and prefetch their rows."""
    _draw_negatives(prob, alias, seed, walk_id, s, nxt)
    for k in range(nxt.shape[0]):
        nxt[k] = _row(ids, nxt[k])
        prefetch_row(syn1, nxt[k])


# Walks go to threads in blocks of _BLOCK, handed out one block at a time
# (dynamic schedule), so a thread slowed by other processes does not hold up the rest.
_BLOCK = 8


@njit(cache=True, nogil=True, parallel=True, fastmath=True)
def _train_walks(syn0, syn1, walks, first_walk_id, window, num_neg, prob, alias, keep, ids,
                 lr_start, lr_end, seed, with_loss, acc0, acc1):
    num_walks, width = walks.shape
    blocks = (num_walks + _BLOCK - 1) // _BLOCK
    pairs = np.zeros(blocks, np.int64)
    losses = np.zeros(blocks, np.float64)
    for blk in prange(blocks):
        work = np.empty(syn0.shape[1], syn0.dtype)
        pos = np.empty(width, np.int64)
        rows = np.empty(width, np.int64)
        negs = np.empty(num_neg, np.int64)
        nxt = np.empty(num_neg, np.int64)
        npairs = 0
        loss = 0.0
        for w in range(blk * _BLOCK, min(num_walks, (blk + 1) * _BLOCK)):
            walk_id = first_walk_id + w
            lr = lr_start + (lr_end - lr_start) * (w / num_walks)
            n, state = _keep_nodes(walks, w, keep, key3(seed, walk_id, 0), pos)
            for i in range(n):
                rows[i] = _row(ids, walks[w, pos[i]])
            for i in range(min(n, window + 1)):
                prefetch_row(syn0, rows[i])
            if n > 0:
                _next_negatives(syn1, prob, alias, ids, seed, walk_id, pos[0], nxt)
            for i in range(n):
                state, u = next_unit(state)
                b = window - min(np.int64(u * window), window - 1)
                for k in range(num_neg):
                    negs[k] = nxt[k]
                if i + 1 < n:  # the next centre's rows load while this window trains
                    _next_negatives(syn1, prob, alias, ids, seed, walk_id, pos[i + 1], nxt)
                    prefetch_row(syn1, rows[i + 1])
                    if i + 1 + window < n:
                        prefetch_row(syn0, rows[i + 1 + window])
                fast = acc0.shape[0] == 0 and _distinct5(rows[i], negs)
                for j in range(max(0, i - b), min(n, i + b + 1)):
                    if j != i:
                        if fast:
                            loss += _pair_step5(syn0, syn1, rows[j], rows[i], negs, lr, with_loss)
                        else:
                            loss += _pair_step(syn0, syn1, rows[j], rows[i], negs, lr, work,
                                               with_loss, acc0, acc1)
                        npairs += 1
        pairs[blk] = npairs
        losses[blk] = loss
    return pairs.sum(), losses.sum()


def train_walks(syn0: np.ndarray, syn1: np.ndarray, walks: np.ndarray, *, window: int,
                prob: np.ndarray, alias: np.ndarray, num_negative_samples: int = 5,
                keep: np.ndarray = None, ids: np.ndarray = None, lr_start: float = 0.025,
                lr_end: float = 0.025, seed: int = 0, first_walk_id: int = 0, threads: int = 0,
                with_loss: bool = False,
                adagrad: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> Tuple[int, float]:
    """Train ``syn0``/``syn1`` in place on every pair of ``walks`` ``[W, L+1]`` (int64 node ids).

    Args:
        window: largest distance between a centre and a context node (reduced
            per centre to a uniform ``1..window``, as in word2vec).
        prob, alias: alias table of the negative distribution (:func:`alias_table`).
        num_negative_samples: negatives per centre (default: 5).
        keep: per-node probability of keeping an occurrence (``None``: no subsampling).
        ids: sorted node ids the table rows hold (``None``: row ``v`` is node ``v``).
        lr_start, lr_end: learning rate at the first and (just past) the last walk.
        seed, first_walk_id: walk ``w`` draws from streams keyed by
            ``(seed, first_walk_id + w)``.
        threads: lock-free threads (0: numba's thread count).
        with_loss: also sum the pairs' losses (costs a log per target).
        adagrad: ``(acc0, acc1)`` row-wise Adagrad sums (:func:`adagrad_state`); None for SGD.

    Returns ``(pairs trained, summed loss)`` (loss 0 unless ``with_loss``).
    """
    _check_tables(syn0, syn1)
    walks = np.ascontiguousarray(walks, dtype=np.int64)
    if walks.ndim != 2:
        raise ValueError(f"walks must be a 2-D [W, L+1] array, got shape {walks.shape}")
    if not (isinstance(window, (int, np.integer)) and window >= 1):
        raise ValueError(f"window must be an int >= 1, got {window!r}")
    if not (isinstance(num_negative_samples, (int, np.integer)) and num_negative_samples >= 0):
        raise ValueError(f"num_negative_samples must be an int >= 0, got {num_negative_samples!r}")
    ids = np.zeros(0, np.int64) if ids is None else np.ascontiguousarray(ids, dtype=np.int64)
    keep = np.zeros(0, np.float32) if keep is None else np.ascontiguousarray(keep, np.float32)
    rows = syn0.shape[0] if ids.shape[0] == 0 else ids.shape[0]
    if ids.shape[0] and ids.shape[0] != syn0.shape[0]:
        raise ValueError(f"ids must name every row of the tables: {syn0.shape[0]} rows, "
                         f"got {ids.shape[0]} ids")
    if walks.size and ids.shape[0] == 0 and walks.max() >= rows:
        raise ValueError(f"walks name node {walks.max()}, but the tables have {rows} rows")
    acc0, acc1 = _adagrad(adagrad, syn0.shape[0])
    threads = _threads(threads)
    prev = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    prev_chunk = numba.set_parallel_chunksize(1)
    try:
        pairs, loss = _train_walks(syn0, syn1, walks, np.int64(first_walk_id), np.int64(window),
                                   np.int64(num_negative_samples), prob, alias, keep, ids,
                                   float(lr_start), float(lr_end), np.int64(seed),
                                   bool(with_loss), acc0, acc1)
    finally:
        numba.set_parallel_chunksize(prev_chunk)
        numba.set_num_threads(prev)
    return int(pairs), float(loss)


def _threads(threads: int) -> int:
    if not isinstance(threads, (int, np.integer)) or threads < 0:
        raise ValueError(f"threads must be an int >= 0, got {threads!r}")
    return int(threads) or numba.get_num_threads()


@njit(cache=True, nogil=True)
def _touched(walks, first_walk_id, num_neg, prob, alias, keep, seed, out):
    width = walks.shape[1]
    pos = np.empty(width, np.int64)
    negs = np.empty(num_neg, np.int64)
    m = 0
    for w in range(walks.shape[0]):
        walk_id = first_walk_id + w
        n, _ = _keep_nodes(walks, w, keep, key3(seed, walk_id, 0), pos)
        for i in range(n):
            out[m] = walks[w, pos[i]]
            m += 1
            _draw_negatives(prob, alias, seed, walk_id, pos[i], negs)
            for k in range(num_neg):
                out[m] = negs[k]
                m += 1
    return m


def touched_rows(walks: np.ndarray, *, prob: np.ndarray, alias: np.ndarray,
                 num_negative_samples: int = 5, keep: np.ndarray = None, seed: int = 0,
                 first_walk_id: int = 0) -> np.ndarray:
    """Sorted distinct node ids :func:`train_walks` reads or writes for the same arguments."""
    walks = np.ascontiguousarray(walks, dtype=np.int64)
    keep = np.zeros(0, np.float32) if keep is None else np.ascontiguousarray(keep, np.float32)
    out = np.empty(walks.size * (1 + num_negative_samples), np.int64)
    m = _touched(walks, np.int64(first_walk_id), np.int64(num_negative_samples), prob, alias,
                 keep, np.int64(seed), out)
    return np.unique(out[:m])


def expected_pairs(length: int, window: int) -> float:
    """Expected (context, centre) pairs of one walk of ``length`` nodes under word2vec's
    reduced window -- converts a count of trained words (gensim's) into pairs."""
    total = 0.0
    for i in range(length):
        for b in range(1, window + 1):
            total += min(b, i) + min(b, length - 1 - i)
    return total / window
