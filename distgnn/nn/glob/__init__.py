"""Global pooling: graph-level readouts of node features."""
from .attention import GlobalAttention
from .glob import global_add_pool, global_max_pool, global_mean_pool
from .set2set import Set2Set
from .sort import global_sort_pool

__all__ = ["global_add_pool", "global_mean_pool", "global_max_pool", "global_sort_pool",
           "GlobalAttention", "Set2Set"]
