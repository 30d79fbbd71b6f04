"""Coarsening helpers shared by the cluster pooling operators: edges, batch vector
and positions of the pooled graph."""
from typing import Optional, Tuple

from torch import Tensor

from ... import ops
from ...utils import coalesce, remove_self_loops

__all__ = ["pool_edge", "pool_batch", "pool_pos", "check_cluster", "check_flow"]


def pool_edge(cluster: Tensor, edge_index: Tensor, edge_attr: Optional[Tensor] = None
              ) -> Tuple[Tensor, Optional[Tensor]]:
    """Edges between clusters: every edge ``(i, j)`` becomes ``(c_i, c_j)``; loops are
    dropped and parallel edges merged (their attributes summed)."""
    num_nodes = cluster.size(0)
    edge_index = cluster[edge_index.reshape(-1)].view(2, -1)
    edge_index, edge_attr = remove_self_loops(edge_index, edge_attr)
    if edge_index.numel() > 0:
        edge_index, edge_attr = coalesce(edge_index, edge_attr, num_nodes, num_nodes)
    return edge_index, edge_attr


def pool_batch(perm: Tensor, batch: Tensor) -> Tensor:
    """Batch vector of the clusters, read at one representative node ``perm[c]`` each."""
    return batch[perm]


def pool_pos(cluster: Tensor, pos: Tensor) -> Tensor:
    """Cluster positions: the mean position of their nodes."""
    return ops.scatter_mean(pos, cluster, 0)


def check_cluster(name: str, cluster: Tensor, num_nodes: Optional[int]) -> None:
    """Raise ``ValueError`` unless ``cluster`` is an integer vector with ``num_nodes``
    entries."""
    if not isinstance(cluster, Tensor) or cluster.dim() != 1 or cluster.is_floating_point():
        got = f"shape {list(cluster.shape)} and dtype {cluster.dtype}" \
            if isinstance(cluster, Tensor) else type(cluster).__name__
        raise ValueError(f"{name}: cluster must be a 1-D LongTensor, got {got}")
    if num_nodes is not None and cluster.numel() != num_nodes:
        raise ValueError(f"{name}: cluster must have one entry per node ({num_nodes}), "
                         f"got {cluster.numel()}")


def check_flow(name: str, flow: str) -> None:
    """Raise ``ValueError`` unless ``flow`` is a message-passing direction."""
    if flow not in ("source_to_target", "target_to_source"):
        raise ValueError(f"{name}: flow must be 'source_to_target' or 'target_to_source', "
                         f"got '{flow}'")
