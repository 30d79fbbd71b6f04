"""Graph helper functions operating on ``edge_index`` tensors."""
from distgnn.utils.coalesce import coalesce, sort_edge_index
from distgnn.utils.convert import (from_networkx, from_scipy_sparse_matrix, to_networkx,
                                   to_scipy_sparse_matrix)
from distgnn.utils.degree import degree
from distgnn.utils.dense import dense_to_sparse, to_dense_adj, to_dense_batch
from distgnn.utils.dropout import dropout_adj
from distgnn.utils.grid import grid
from distgnn.utils.homophily import homophily
from distgnn.utils.isolated import contains_isolated_nodes, remove_isolated_nodes
from distgnn.utils.laplacian import get_laplacian
from distgnn.utils.loop import (add_remaining_self_loops, add_self_loops, contains_self_loops,
                                remove_self_loops, segregate_self_loops)
from distgnn.utils.metric import (accuracy, f1_score, false_negative, false_positive,
                                  intersection_and_union, mean_iou, precision, recall,
                                  true_negative, true_positive)
from distgnn.utils.negative_sampling import (batched_negative_sampling, negative_sampling,
                                             structured_negative_sampling,
                                             structured_negative_sampling_feasible)
from distgnn.utils.normalized_cut import normalized_cut
from distgnn.utils.num_nodes import maybe_num_nodes
from distgnn.utils.random import (barabasi_albert_graph, erdos_renyi_graph,
                                  stochastic_blockmodel_graph)
from distgnn.utils.scatter import scatter_
from distgnn.utils.softmax import softmax
from distgnn.utils.subgraph import k_hop_subgraph, subgraph
from distgnn.utils.train_test_split_edges import train_test_split_edges
from distgnn.utils.undirected import is_undirected, to_undirected

__all__ = [
    "maybe_num_nodes", "degree", "softmax", "scatter_",
    "contains_self_loops", "remove_self_loops", "segregate_self_loops", "add_self_loops",
    "add_remaining_self_loops", "contains_isolated_nodes", "remove_isolated_nodes",
    "coalesce", "sort_edge_index", "is_undirected", "to_undirected",
    "subgraph", "k_hop_subgraph", "dropout_adj", "homophily",
    "to_dense_batch", "to_dense_adj", "dense_to_sparse",
    "negative_sampling", "batched_negative_sampling", "structured_negative_sampling",
    "structured_negative_sampling_feasible", "train_test_split_edges",
    "to_scipy_sparse_matrix", "from_scipy_sparse_matrix", "to_networkx", "from_networkx",
    "get_laplacian", "normalized_cut", "grid",
    "erdos_renyi_graph", "stochastic_blockmodel_graph", "barabasi_albert_graph",
    "accuracy", "true_positive", "true_negative", "false_positive", "false_negative",
    "precision", "recall", "f1_score", "intersection_and_union", "mean_iou",
]
