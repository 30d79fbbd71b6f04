r"""Farthest point sampling, from Qi et al., "PointNet++: Deep Hierarchical Feature
Learning on Point Sets in a Metric Space" (NeurIPS 2017): iteratively sample the
point most distant from those already chosen; see :mod:`distgnn.ops.cluster`."""
from ...ops.cluster import fps

__all__ = ["fps"]
