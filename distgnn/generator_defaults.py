"""The planted-partition graph's defaults, one set for every way of making that graph.

Shared by :func:`distgnn.data.generators.planted_partition`, ``distgnn generate
planted:...`` and the ``data.generator`` section of ``distgnn train``; importing it
costs nothing (no torch), so the command line's argument defaults can read it.
"""
from __future__ import annotations

__all__ = ["PLANTED_DEFAULTS"]

#: feature_noise: the std of the noise around the blocks' centroids (whose entries have std 1);
#: at 7.0 the features alone separate the blocks poorly and the edges carry the labels
PLANTED_DEFAULTS = {"avg_degree": 10.0, "p_ratio": 25.0, "num_features": 32, "feature_noise": 2.0,
                    "train_per_class": 20, "num_val": 500, "num_test": 1000}
