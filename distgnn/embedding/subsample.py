"""Frequent-node subsampling (word2vec's rule, pure numpy).

word2vec keeps an occurrence of a word of corpus frequency ``f`` with
probability ``(sqrt(f / t) + 1) * t / f`` (``t`` = ``sample``, capped at 1),
which thins very frequent words and keeps rare ones. A walk from every node
visits its start once and then ``walk_length`` nodes drawn (approximately)
from the stationary distribution ``degree / sum(degree)``, so a node's
frequency in the walks is estimated, without counting them, as
``(1 / n + walk_length * degree / sum(degree)) / (walk_length + 1)``.
"""
import numpy as np

__all__ = ["keep_probabilities", "walk_frequencies"]


def walk_frequencies(rowptr, walk_length: int) -> np.ndarray:
    """Estimated share of every node among the nodes of walks started from all nodes."""
    deg = np.diff(np.asarray(rowptr)).astype(np.float64)
    n = deg.shape[0]
    stationary = deg / deg.sum() if deg.sum() > 0 else np.full(n, 1.0 / n)
    return (1.0 / n + walk_length * stationary) / (walk_length + 1)


def keep_probabilities(freq, sample: float) -> np.ndarray:
    """Probability (float32) of keeping each occurrence of a node of frequency ``freq``."""
    if not sample > 0:
        raise ValueError(f"sample must be > 0 (0 turns subsampling off), got {sample!r}")
    f = np.maximum(np.asarray(freq, dtype=np.float64), 1e-300)
    keep = (np.sqrt(f / sample) + 1.0) * sample / f
    return np.minimum(keep, 1.0).astype(np.float32)
