"""Dense convolutional layers (dense adjacency input)."""
from .dense_gcn_conv import DenseGCNConv
from .dense_gin_conv import DenseGINConv
from .dense_graph_conv import DenseGraphConv
from .dense_sage_conv import DenseSAGEConv

__all__ = [
    "DenseGCNConv",
    "DenseGINConv",
    "DenseGraphConv",
    "DenseSAGEConv",
]
