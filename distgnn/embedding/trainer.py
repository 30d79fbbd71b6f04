"""Node2Vec / DeepWalk training: walks from the sampler, pairs trained by :mod:`.sgns`.

Pure functions on numpy arrays (no I/O): the tables are trained in place.
An epoch starts ``walks_per_node`` walks from every node (each round in a
fresh random order), in batches of ``batch_walks`` walks; the learning rate
falls linearly from ``lr`` to ``min_lr`` over all the walks of all epochs, as
in word2vec.
"""
import mmap
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

import numpy as np

from distgnn.sampler.walks import random_walk

from .negatives import alias_table, degree_weights
from .sgns import train_walks
from .subsample import keep_probabilities, walk_frequencies

__all__ = ["EpochStats", "init_tables", "empty_table", "train_skipgram", "negative_table", "keep_table",
           "cut_at_sinks"]


@dataclass
class EpochStats:
    """What one epoch did: pairs trained, their mean loss (NaN unless asked for) and time."""
    epoch: int
    pairs: int
    loss: float
    seconds: float
    walk_seconds: float


#: Tables at least this large are mapped on 2 MB pages where the kernel allows it.
HUGE_PAGE_BYTES = 32 << 20


def empty_table(num_rows: int, dim: int) -> np.ndarray:
    """A zeroed float32 ``[num_rows, dim]`` table; a large one asks for transparent huge
    pages (a random row costs no TLB miss: +13% pairs/s on a 512 MB table)."""
    nbytes = num_rows * dim * 4
    if nbytes < HUGE_PAGE_BYTES or not hasattr(mmap, "MADV_HUGEPAGE"):
        return np.zeros((num_rows, dim), np.float32)
    buf = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        buf.madvise(mmap.MADV_HUGEPAGE)
    except OSError:
        pass
    return np.frombuffer(buf, np.float32).reshape(num_rows, dim)


def init_tables(num_nodes: int, dim: int, seed: int = 0):
    """word2vec's start: input rows uniform in ``[-0.5/dim, 0.5/dim)``, output rows zero."""
    rng = np.random.default_rng(seed)
    syn0 = empty_table(num_nodes, dim)
    for a in range(0, num_nodes, 1 << 16):  # in slices: no second full-size temporary
        block = syn0[a:a + (1 << 16)]
        rng.random(block.shape, dtype=np.float32, out=block)
        block -= 0.5
        block /= dim
    return syn0, empty_table(num_nodes, dim)


def negative_table(rowptr, power: float = 0.75):
    """Alias table of the ``degree ** power`` negative distribution."""
    return alias_table(degree_weights(rowptr, power))


def keep_table(rowptr, walk_length: int, sample: float) -> Optional[np.ndarray]:
    """Per-node keep probabilities for subsampling threshold ``sample`` (None when 0)."""
    if sample == 0:
        return None
    return keep_probabilities(walk_frequencies(rowptr, walk_length), sample)


def cut_at_sinks(walks: np.ndarray, sinks: np.ndarray) -> None:
    """End walks (with -1) where they reach a node without out-edges: the walker stays
    there, and pairs of a node with itself teach nothing. In place."""
    tail = walks[:, :-1]
    stuck = sinks[tail]
    walks[:, 1:][stuck] = -1


def _check(walk_length, walks_per_node, window, epochs, lr, min_lr, sample, batch_walks):
    for name, v in (("walk_length", walk_length), ("walks_per_node", walks_per_node),
                    ("window", window), ("epochs", epochs), ("batch_walks", batch_walks)):
        if not (isinstance(v, (int, np.integer)) and v >= 1):
            raise ValueError(f"{name} must be an int >= 1, got {v!r}")
    if not (lr > 0 and 0 <= min_lr <= lr):
        raise ValueError(f"need lr > 0 and 0 <= min_lr <= lr, got lr={lr!r}, min_lr={min_lr!r}")
    if not sample >= 0:
        raise ValueError(f"sample must be >= 0 (0: no subsampling), got {sample!r}")


def train_skipgram(rowptr: np.ndarray, col: np.ndarray, syn0: np.ndarray, syn1: np.ndarray, *,
                   walk_length: int = 80, walks_per_node: int = 10, window: int = 10,
                   p: float = 1.0, q: float = 1.0, epochs: int = 1,
                   num_negative_samples: int = 5, lr: float = 0.025, min_lr: float = 1e-4,
                   sample: float = 0.0, batch_walks: int = 65536, seed: int = 0,
                   threads: int = 0, with_loss: bool = False,
                   on_epoch: Optional[Callable[[EpochStats], None]] = None) -> List[EpochStats]:
    """Train ``syn0`` (node embeddings) and ``syn1`` (context table) in place on node2vec walks.

    Args (default: ...):
        rowptr, col: CSR the walks follow.
        syn0, syn1: float32 ``[num_nodes, d]`` tables (:func:`init_tables`).
        walk_length: steps per walk (80). walks_per_node: walks from each node per epoch (10).
        window: largest centre-context distance (10). p, q: node2vec bias (1, 1).
        epochs: passes (1). num_negative_samples: negatives per centre from
            ``degree ** 0.75`` (5). lr, min_lr: linear decay (0.025 to 1e-4).
        sample: subsampling threshold, 0 for none (0). batch_walks: walks per kernel call (65536).
        seed: walks and draws (0). threads: lock-free threads, 0 for numba's count (0).
        with_loss: record the mean pair loss (False). on_epoch: called with each epoch's stats.
    """
    _check(walk_length, walks_per_node, window, epochs, lr, min_lr, sample, batch_walks)
    n = syn0.shape[0]
    if np.asarray(rowptr).shape[0] != n + 1:
        raise ValueError(f"the CSR has {np.asarray(rowptr).shape[0] - 1} nodes, the tables {n} rows")
    prob, alias = negative_table(rowptr)
    sinks = np.diff(np.asarray(rowptr)) == 0
    sinks = sinks if sinks.any() else None
    keep = keep_table(rowptr, walk_length, sample)
    total = epochs * walks_per_node * n
    rng = np.random.default_rng(seed)
    done, stats = 0, []
    for epoch in range(epochs):
        t0, walk_s, pairs, loss = time.perf_counter(), 0.0, 0, 0.0
        for _ in range(walks_per_node):
            order = rng.permutation(n)
            for a in range(0, n, batch_walks):
                start = order[a:a + batch_walks]
                tw = time.perf_counter()
                walks = random_walk(rowptr, col, start, walk_length, p, q,
                                    seed=int(rng.integers(2**62))).numpy()
                if sinks is not None:
                    cut_at_sinks(walks, sinks)
                walk_s += time.perf_counter() - tw
                k = start.shape[0]
                got, l_sum = train_walks(
                    syn0, syn1, walks, window=window, prob=prob, alias=alias,
                    num_negative_samples=num_negative_samples, keep=keep,
                    lr_start=lr - (lr - min_lr) * done / total,
                    lr_end=lr - (lr - min_lr) * (done + k) / total,
                    seed=seed, first_walk_id=epoch * walks_per_node * n + done % (walks_per_node * n),
                    threads=threads, with_loss=with_loss)
                done += k
                pairs += got
                loss += l_sum
        st = EpochStats(epoch, pairs, loss / max(pairs, 1) if with_loss else float("nan"),
                        time.perf_counter() - t0, walk_s)
        stats.append(st)
        if on_epoch is not None:
            on_epoch(st)
    return stats
