"""Node embeddings by skip-gram with negative sampling (word2vec's trainer for graphs).

Pure numba kernels on numpy tables, no I/O:

* :mod:`.step` -- the per-pair SGD (or row-wise Adagrad) step;
* :mod:`.sgns` -- the lock-free walk-batch trainer,
  the rows a batch touches (for sharded tables);
* :mod:`.negatives` -- the alias table of the ``degree ** 0.75`` negatives;
* :mod:`.subsample` -- word2vec's frequent-node subsampling;
* :mod:`.pulled` -- the same step on rows pulled from sharded servers;
* :mod:`.trainer` -- epochs of node2vec walks fed to the trainer.
"""
from .negatives import alias_draw, alias_table, degree_weights
from .pulled import train_pulled
from .sgns import expected_pairs, touched_rows, train_walks
from .step import adagrad_state, sgns_step
from .subsample import keep_probabilities, walk_frequencies
from .trainer import EpochStats, empty_table, init_tables, keep_table, negative_table, train_skipgram

__all__ = ["alias_table", "alias_draw", "degree_weights", "sgns_step", "adagrad_state",
           "train_walks", "touched_rows", "expected_pairs", "keep_probabilities",
           "walk_frequencies", "train_pulled", "EpochStats", "empty_table", "init_tables",
           "negative_table", "keep_table", "train_skipgram"]
