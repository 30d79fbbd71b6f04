import pytest
import torch

from distgnn.data import (grid_edge_index, planted_partition, planted_partition_edge_index,
                          rmat_edge_index)


def _is_coalesced(ei, n):
    key = ei[0] * n + ei[1]
    return bool((key[1:] > key[:-1]).all())


def test_rmat_deterministic_coalesced_symmetric():
    a = rmat_edge_index(10, edge_factor=8, seed=3)
    b = rmat_edge_index(10, edge_factor=8, seed=3)
    c = rmat_edge_index(10, edge_factor=8, seed=4)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert a.dtype == torch.long and a.size(0) == 2
    assert _is_coalesced(a, 1024)
    assert bool((a[0] != a[1]).all())
    assert int(a.max()) < 1024 and int(a.min()) >= 0
    rev = torch.stack([a[1], a[0]])
    key = set((a[0] * 1024 + a[1]).tolist())
    assert key == set((rev[0] * 1024 + rev[1]).tolist())
    # at most 2 * 8 * 1024 directed edges survive deduplication
    assert 0 < a.size(1) <= 2 * 8 * 1024


def test_rmat_skewed_degrees_and_directed_option():
    ei = rmat_edge_index(12, seed=0)
    deg = torch.bincount(ei[0], minlength=4096)
    # node 0 sits in the heavy quadrant at every level
    assert int(deg[0]) == int(deg.max())
    assert float(deg.max()) > 20 * float(deg.float().mean())
    directed = rmat_edge_index(8, symmetric=False, remove_self_loops=False, seed=1)
    assert _is_coalesced(directed, 256)
    assert bool((directed[0] == directed[1]).any())


def test_rmat_quadrant_probabilities_one_level():
    # scale 1: all edges go to (0, 0) when a = 1
    ei = rmat_edge_index(1, a=1.0, b=0.0, c=0.0, symmetric=False, remove_self_loops=False)
    assert ei.tolist() == [[0], [0]]
    ei = rmat_edge_index(1, a=0.0, b=1.0, c=0.0, symmetric=False)
    assert ei.tolist() == [[0], [1]]
    ei = rmat_edge_index(1, a=0.0, b=0.0, c=1.0, symmetric=False)
    assert ei.tolist() == [[1], [0]]


def test_rmat_rejects_bad_probabilities():
    with pytest.raises(ValueError, match="R-MAT probabilities"):
        rmat_edge_index(4, a=0.6, b=0.3, c=0.3)
    with pytest.raises(ValueError, match="scale"):
        rmat_edge_index(-1)


def test_planted_partition_edges():
    ei, block = planted_partition_edge_index(2000, 4, avg_degree=10, p_ratio=20, seed=1,
                                             return_blocks=True)
    assert _is_coalesced(ei, 2000)
    assert bool((ei[0] != ei[1]).all())
    assert torch.bincount(block).tolist() == [500] * 4
    same = (block[ei[0]] == block[ei[1]]).float().mean().item()
    assert abs(same - 20 / 23) < 0.03
    assert abs(ei.size(1) / 2000 - 10) < 0.5
    assert torch.equal(ei, planted_partition_edge_index(2000, 4, 10, 20, seed=1))


def test_planted_partition_data():
    data = planted_partition(1000, 5, num_features=8, feature_noise=7.0, num_val=100, num_test=200, seed=2)
    assert data.x.shape == (1000, 8) and data.x.dtype == torch.float32
    assert data.y.shape == (1000,) and int(data.y.max()) == 4
    assert data.is_undirected()
    homophily = (data.y[data.edge_index[0]] == data.y[data.edge_index[1]]).float().mean()
    assert homophily > 0.5
    train, val, test = data.train_mask, data.val_mask, data.test_mask
    assert int(train.sum()) == 100 and int(val.sum()) == 100 and int(test.sum()) == 200
    assert not bool((train & val).any() | (train & test).any() | (val & test).any())
    assert torch.bincount(data.y[train]).tolist() == [20] * 5
    # features are correlated with the class: class means are closer to their own centroid
    means = torch.stack([data.x[data.y == c].mean(0) for c in range(5)])
    nearest = torch.cdist(data.x, means).argmin(1)
    feature_acc = (nearest == data.y).float().mean().item()
    assert 0.3 < feature_acc < 0.99


def test_planted_partition_rejects_too_small_graph():
    with pytest.raises(ValueError, match="split needs"):
        planted_partition(100, 4, num_val=50, num_test=50)


def test_grid_edge_index_by_hand():
    ei = grid_edge_index(2, 3)
    # 0 1 2
    # 3 4 5
    expected = [(0, 1), (0, 3), (1, 0), (1, 2), (1, 4), (2, 1), (2, 5),
                (3, 0), (3, 4), (4, 1), (4, 3), (4, 5), (5, 2), (5, 4)]
    assert list(zip(*ei.tolist())) == expected
    assert grid_edge_index(1, 1).shape == (2, 0)
