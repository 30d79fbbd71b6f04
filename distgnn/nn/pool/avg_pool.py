r"""Average pooling over a node clustering: :func:`avg_pool` coarsens a whole graph,
:func:`avg_pool_x` pools node features only and :func:`avg_pool_neighbor_x` replaces
every node feature by the average over the node and its neighbours."""
from typing import Callable, Optional, Tuple

from torch import Tensor

from ...data import Batch, Data
from .cluster_pool import cluster_pool, cluster_pool_x, neighbor_pool_x

__all__ = ["avg_pool", "avg_pool_x", "avg_pool_neighbor_x"]


def avg_pool_x(cluster: Tensor, x: Tensor, batch: Tensor,
               size: Optional[int] = None) -> Tuple[Tensor, Optional[Tensor]]:
    r"""Average-pools node features according to the clustering defined in ``cluster``.

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
    return cluster_pool_x("avg_pool_x", "mean", cluster, x, batch, size)


def avg_pool(cluster: Tensor, data: Data, transform: Optional[Callable] = None) -> Batch:
    r"""Pools and coarsens a graph given by a :class:`distgnn.data.Data` object
    according to the clustering defined in ``cluster``. All nodes within the same
    cluster are represented as one node. Final node features are the *average*
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
    return cluster_pool("avg_pool", "mean", cluster, data, transform)


def avg_pool_neighbor_x(data: Data, flow: str = "source_to_target") -> Data:
    r"""Average pools neighbouring node features, where each feature in ``data.x`` is
    replaced by the average feature values of the central node and
    its neighbours. ``data`` is updated in place and returned."""
    return neighbor_pool_x("avg_pool_neighbor_x", "mean", data, flow)
