r"""Max pooling over a node clustering: :func:`max_pool` coarsens a whole graph,
:func:`max_pool_x` pools node features only and :func:`max_pool_neighbor_x` replaces
every node feature by the maximum over the node and its neighbours."""
from typing import Callable, Optional, Tuple

from torch import Tensor

from ... import ops
from ...data import Batch, Data
from ...utils import add_self_loops
from .consecutive import consecutive_cluster
from .pool import check_cluster, check_flow, pool_batch, pool_edge, pool_pos

__all__ = ["max_pool", "max_pool_x", "max_pool_neighbor_x"]


def _max_pool_x(cluster: Tensor, x: Tensor, size: Optional[int] = None) -> Tensor:
    return ops.scatter(x, cluster, 0, size, reduce="max")


def max_pool_x(cluster: Tensor, x: Tensor, batch: Tensor,
               size: Optional[int] = None) -> Tuple[Tensor, Optional[Tensor]]:
    r"""Max-pools node features according to the clustering defined in ``cluster``.

    Args:
        cluster (LongTensor): Cluster vector :math:`\mathbf{c} \in \{ 0, \ldots,
            N - 1 \}^N`, which assigns each node to a specific cluster.
        x (Tensor): Node feature matrix
            :math:`\mathbf{X} \in \mathbb{R}^{(N_1 + \ldots + N_B) \times F}`.
        batch (LongTensor): Batch vector :math:`\mathbf{b} \in {\{ 0, \ldots,
            B-1\}}^N`, which assigns each node to a specific example.
        size (int, optional): The maximum number of clusters in a single example
            (cluster ids must then already be offset per example, as
            :func:`voxel_grid` with ``start``/``end`` produces them). Gives a
            batch-wise dense output of ``B * size`` rows, empty clusters zero.
            (default: ``None``)

    :rtype: ``(Tensor, LongTensor)`` (the pooled features and their batch vector);
        with ``size`` the batch vector is ``None``.
    """
    check_cluster("max_pool_x", cluster, x.size(0))
    if size is not None:
        batch_size = int(batch.max()) + 1 if batch.numel() > 0 else 0
        return _max_pool_x(cluster, x, batch_size * int(size)), None
    cluster, perm = consecutive_cluster(cluster)
    return _max_pool_x(cluster, x), pool_batch(perm, batch)


def max_pool(cluster: Tensor, data: Data, transform: Optional[Callable] = None) -> Batch:
    r"""Pools and coarsens a graph given by a :class:`distgnn.data.Data` object
    according to the clustering defined in ``cluster``. All nodes within the same
    cluster are represented as one node. Final node features are the *maximum*
    features of all nodes within the same cluster, node positions are averaged and
    edge indices are the union of the edge indices of all nodes within the same
    cluster (without self-loops; attributes of merged edges are summed).

    Args:
        cluster (LongTensor): Cluster vector :math:`\mathbf{c} \in \{ 0, \ldots,
            N - 1 \}^N`, which assigns each node to a specific cluster.
        data (Data): Graph data object.
        transform (callable, optional): A function/transform that takes in the
            coarsened and pooled :class:`Data` object and returns a transformed
            version. (default: ``None``)

    :rtype: :class:`distgnn.data.Batch`
    """
    check_cluster("max_pool", cluster, data.num_nodes)
    cluster, perm = consecutive_cluster(cluster)
    x = None if data["x"] is None else _max_pool_x(cluster, data["x"])
    index, attr = pool_edge(cluster, data["edge_index"], data["edge_attr"])
    batch = None if data["batch"] is None else pool_batch(perm, data["batch"])
    pos = None if data["pos"] is None else pool_pos(cluster, data["pos"])
    out = Batch(batch=batch, x=x, edge_index=index, edge_attr=attr, pos=pos)
    return out if transform is None else transform(out)


def max_pool_neighbor_x(data: Data, flow: str = "source_to_target") -> Data:
    r"""Max pools neighbouring node features, where each feature in ``data.x`` is
    replaced by the feature value with the maximum value from the central node and
    its neighbours. ``data`` is updated in place and returned."""
    check_flow("max_pool_neighbor_x", flow)
    n = data.num_nodes
    edge_index, _ = add_self_loops(data.edge_index, num_nodes=n)
    src, dst = (edge_index[0], edge_index[1]) if flow == "source_to_target" \
        else (edge_index[1], edge_index[0])
    data.x = ops.scatter(data.x.index_select(0, src), dst, 0, n, reduce="max")
    return data
