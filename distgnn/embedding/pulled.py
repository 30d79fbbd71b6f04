"""The skip-gram step on rows pulled from a sharded table (pure; the transport is the caller's).

A replica of a sharded run trains a batch of walks in three moves:

1. :func:`~distgnn.embedding.sgns.touched_rows` names every row the batch
   will read or write (its kept walk nodes and the negatives its centres
   draw -- every draw is keyed by ``(seed, walk id, position)``, so the set
   is known before training);
2. ``pull(ids)`` fetches those rows of the input and output tables (and the
   row-wise Adagrad sums when used), and :func:`train_walks` trains them as a
   small local table (``ids`` maps nodes to rows);
3. ``push(ids, deltas)`` sends ``new - old`` for each array; servers add the
   deltas, so replicas updating the same rows compose as lock-free threads do.

With one replica and one thread this is exactly the local run, update for update.
The Node2Vec job calls it with ``model.optimizer=sgns``
(:func:`distgnn.jobs.node2vec.sgns_train_batch`): two sharded tables on SGD with lr 1,
each push the negated delta, times the replica count where the exchange averages.
"""
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .sgns import touched_rows, train_walks

__all__ = ["train_pulled"]

Pull = Callable[[np.ndarray], Sequence[np.ndarray]]
Push = Callable[[np.ndarray, List[np.ndarray]], None]


def train_pulled(pull: Pull, push: Push, walks: np.ndarray, *, window: int, prob: np.ndarray,
                 alias: np.ndarray, num_negative_samples: int = 5,
                 keep: Optional[np.ndarray] = None, lr_start: float = 0.025,
                 lr_end: float = 0.025, seed: int = 0, first_walk_id: int = 0, threads: int = 1,
                 with_loss: bool = False, adagrad: bool = False) -> Tuple[int, float]:
    """Train one batch of ``walks`` on pulled rows; returns ``(pairs, summed loss)``.

    ``pull(ids)`` returns ``[syn0_rows, syn1_rows]`` (float32 ``[len(ids), d]``),
    followed by ``[acc0, acc1]`` (float32 ``[len(ids)]``) when ``adagrad``;
    ``push(ids, deltas)`` receives the same list of arrays as increments. The
    other arguments are :func:`~distgnn.embedding.sgns.train_walks`'s.
    """
    walks = np.ascontiguousarray(walks, dtype=np.int64)
    ids = touched_rows(walks, prob=prob, alias=alias, num_negative_samples=num_negative_samples,
                       keep=keep, seed=seed, first_walk_id=first_walk_id)
    arrays = [np.array(a, dtype=np.float32, order="C") for a in pull(ids)]
    want = 4 if adagrad else 2
    if len(arrays) != want or any(a.shape[0] != ids.shape[0] for a in arrays):
        raise ValueError(f"pull must return {want} arrays of {ids.shape[0]} rows, got "
                         f"{[a.shape for a in arrays]}")
    before = [a.copy() for a in arrays]
    pairs, loss = train_walks(arrays[0], arrays[1], walks, ids=ids, window=window, prob=prob,
                              alias=alias, num_negative_samples=num_negative_samples, keep=keep,
                              lr_start=lr_start, lr_end=lr_end, seed=seed,
                              first_walk_id=first_walk_id, threads=threads, with_loss=with_loss,
                              adagrad=(arrays[2], arrays[3]) if adagrad else None)
    push(ids, [a - b for a, b in zip(arrays, before)])
    return pairs, loss
