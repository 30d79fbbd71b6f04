import torch

from distgnn.nn.pool.consecutive import consecutive_cluster


def test_consecutive_cluster_by_hand():
    cluster, perm = consecutive_cluster(torch.tensor([7, 3, 7, 9, 3]))
    assert cluster.tolist() == [1, 0, 1, 2, 0]
    assert perm.tolist() == [1, 0, 3]  # smallest node of every cluster


def test_consecutive_cluster_empty():
    cluster, perm = consecutive_cluster(torch.empty(0, dtype=torch.long))
    assert cluster.numel() == 0 and perm.numel() == 0
