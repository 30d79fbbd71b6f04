"""The pooling schemes behind ``max_pool*`` and ``avg_pool*``: one implementation,
parameterised by the reduction (``"max"`` or ``"mean"``)."""
from typing import Callable, Optional, Tuple

from torch import Tensor

from ... import ops
from ...data import Batch, Data
from ...utils import add_self_loops
from .consecutive import consecutive_cluster
from .pool import check_cluster, check_flow, pool_batch, pool_edge, pool_pos

__all__ = ["cluster_pool_x", "cluster_pool", "neighbor_pool_x"]


def cluster_pool_x(name: str, reduce: str, cluster: Tensor, x: Tensor, batch: Tensor,
                   size: Optional[int] = None) -> Tuple[Tensor, Optional[Tensor]]:
    """Node features reduced per cluster, and the pooled batch vector (``None`` with
    ``size``: then ``B * size`` rows, one block per example)."""
    check_cluster(name, cluster, x.size(0))
    if size is not None:
        batch_size = int(batch.max()) + 1 if batch.numel() > 0 else 0
        return ops.scatter(x, cluster, 0, batch_size * int(size), reduce), None
    cluster, perm = consecutive_cluster(cluster)
    return ops.scatter(x, cluster, 0, None, reduce), pool_batch(perm, batch)


def cluster_pool(name: str, reduce: str, cluster: Tensor, data: Data,
                 transform: Optional[Callable] = None) -> Batch:
    """The coarsened graph: features reduced, positions averaged, edges merged."""
    check_cluster(name, cluster, data.num_nodes)
    cluster, perm = consecutive_cluster(cluster)
    x = None if data["x"] is None else ops.scatter(data["x"], cluster, 0, None, reduce)
    index, attr = pool_edge(cluster, data["edge_index"], data["edge_attr"])
    batch = None if data["batch"] is None else pool_batch(perm, data["batch"])
    pos = None if data["pos"] is None else pool_pos(cluster, data["pos"])
    out = Batch(batch=batch, x=x, edge_index=index, edge_attr=attr, pos=pos)
    return out if transform is None else transform(out)


def neighbor_pool_x(name: str, reduce: str, data: Data, flow: str) -> Data:
    """Every node's features reduced over itself and its neighbours, in place."""
    check_flow(name, flow)
    n = data.num_nodes
    edge_index, _ = add_self_loops(data.edge_index, num_nodes=n)
    src, dst = (edge_index[0], edge_index[1]) if flow == "source_to_target" \
        else (edge_index[1], edge_index[0])
    data.x = ops.scatter(data.x.index_select(0, src), dst, 0, n, reduce)
    return data
