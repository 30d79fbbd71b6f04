"""distgnn: distributed large-graph GNN training."""
__version__ = "0.1.0"
