"""Dense convolutional and pooling layers (dense adjacency input)."""
from .dense_gcn_conv import DenseGCNConv
from .dense_gin_conv import DenseGINConv
from .dense_graph_conv import DenseGraphConv
from .dense_sage_conv import DenseSAGEConv
from .diff_pool import dense_diff_pool
from .mincut_pool import dense_mincut_pool

__all__ = [
    "DenseGCNConv",
    "DenseGINConv",
    "DenseGraphConv",
    "DenseSAGEConv",
    "dense_diff_pool",
    "dense_mincut_pool",
]
