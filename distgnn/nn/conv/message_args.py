"""The argument names ``MessagePassing.propagate`` fills itself, shared with its scripting."""

__all__ = ["SPECIAL_ARGS", "SPARSE_VALUE_ARGS"]

#: arguments of message/aggregate/update that propagate supplies, not the caller's kwargs
SPECIAL_ARGS = {"edge_index", "adj_t", "edge_index_i", "edge_index_j", "size",
                "size_i", "size_j", "ptr", "index", "dim_size"}
#: per-edge values a SparseTensor carries as its value when the caller passes none
SPARSE_VALUE_ARGS = ("edge_weight", "edge_attr", "edge_type")
