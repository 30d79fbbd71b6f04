r"""Skip-gram with negative sampling over batches of walks (pure numba; no I/O).

:func:`train_walks` runs :mod:`.step`'s per-pair step over every (context,
centre) pair of a batch of walks: word2vec's reduced window (a window of ``b`` uniform in
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
from typing import Optional, Tuple

import numba
import numpy as np
from numba import njit, prange

from distgnn.sampler._rng import key3, next_unit

from ._prefetch import prefetch_row
from .negatives import alias_draw
from .step import _adagrad, _check_tables, _fast_kind, _pair_step, _pair_step1, _pair_step5

__all__ = ["train_walks", "touched_rows", "expected_pairs"]


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
        work = np.empty(syn0.shape[1], np.float32)
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
                fast = _fast_kind(rows[i], negs) if acc0.shape[0] == 0 else 0
                for j in range(max(0, i - b), min(n, i + b + 1)):
                    if j != i:
                        if fast == 5:
                            loss += _pair_step5(syn0, syn1, rows[j], rows[i], negs, lr, with_loss)
                        elif fast == 1:
                            loss += _pair_step1(syn0, syn1, rows[j], rows[i], negs[0], lr,
                                                with_loss)
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
    syn0, syn1 = _check_tables(syn0, syn1)
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
    return sorted_distinct(out[:m])


def sorted_distinct(ids: np.ndarray) -> np.ndarray:
    """``np.unique`` of non-negative int64 ids below 2**32: two 16-bit counting-sort passes
    and one pass dropping repeats (linear; the sort of ``np.unique`` costs a replica's step
    as much as its training on a few hundred thousand ids)."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= 1 << 32):
        return np.unique(ids)
    return _radix_distinct(ids)


@njit(cache=True, nogil=True)
def _radix_distinct(ids):
    n = ids.shape[0]
    a, b = ids.copy(), np.empty(n, np.int64)
    count = np.empty(1 << 16, np.int64)
    for shift in (0, 16):
        count[:] = 0
        for i in range(n):
            count[(a[i] >> shift) & 0xFFFF] += 1
        total = 0
        for k in range(1 << 16):
            c = count[k]
            count[k] = total
            total += c
        for i in range(n):
            k = (a[i] >> shift) & 0xFFFF
            b[count[k]] = a[i]
            count[k] += 1
        a, b = b, a
    m = 0
    for i in range(n):
        if m == 0 or a[i] != a[m - 1]:
            a[m] = a[i]
            m += 1
    return a[:m].copy()


def expected_pairs(length: int, window: int) -> float:
    """Expected (context, centre) pairs of one walk of ``length`` nodes under word2vec's
    reduced window -- converts a count of trained words (gensim's) into pairs."""
    total = 0.0
    for i in range(length):
        for b in range(1, window + 1):
            total += min(b, i) + min(b, length - 1 - i)
    return total / window
