import pytest
import torch

import distgnn.nn as nn
from distgnn.data import Batch, Data
from distgnn.nn.pool import avg_pool, avg_pool_neighbor_x, avg_pool_x

X = torch.tensor([[1.0, 8.0], [3.0, -2.0], [5.0, 0.0], [-1.0, 4.0], [2.0, 2.0]])
POS = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [2.0, 2.0], [7.0, 7.0]])
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 3, 3, 4], [1, 0, 2, 3, 4, 0, 3]])
EDGE_ATTR = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
BATCH = torch.tensor([0, 0, 0, 0, 1])
CLUSTER = torch.tensor([7, 7, 3, 3, 9])  # relabelled to [1, 1, 0, 0, 2]


def test_avg_pool_exported():
    assert nn.avg_pool is avg_pool and nn.avg_pool_x is avg_pool_x
    assert nn.avg_pool_neighbor_x is avg_pool_neighbor_x


def test_avg_pool_x_by_hand():
    out, batch = avg_pool_x(CLUSTER, X, BATCH)
    expected = torch.tensor([[2.0, 2.0], [2.0, 3.0], [2.0, 2.0]])
    assert torch.equal(out, expected)
    assert batch.tolist() == [0, 0, 1]


def test_avg_pool_x_dense_size():
    cluster = torch.tensor([0, 0, 1, 1, 2])  # example 1 owns ids 2..3
    out, batch = avg_pool_x(cluster, X, BATCH, size=2)
    assert batch is None
    expected = torch.tensor([[2.0, 3.0], [2.0, 2.0], [2.0, 2.0], [0.0, 0.0]])
    assert torch.equal(out, expected)


def test_avg_pool_data_by_hand():
    data = Data(x=X, pos=POS, edge_index=EDGE_INDEX, edge_attr=EDGE_ATTR)
    data.batch = BATCH
    out = avg_pool(CLUSTER, data)
    assert isinstance(out, Batch)
    assert torch.equal(out.x, torch.tensor([[2.0, 2.0], [2.0, 3.0], [2.0, 2.0]]))
    assert torch.allclose(out.pos, torch.tensor([[1.0, 3.0], [1.0, 0.0], [7.0, 7.0]]))
    assert out.batch.tolist() == [0, 0, 1]
    # edges (c_i, c_j) without loops, merged, sorted: 0-1 & 1-0 inside cluster 1 vanish
    # (1->0): 1->2 (3.), 3->0 (6.) ; (0->2): 3->4 (5.) ; (2->0): 4->3 (7.)
    assert out.edge_index.tolist() == [[0, 0, 1, 2], [1, 2, 0, 0]]
    assert out.edge_attr.tolist() == [6.0, 5.0, 3.0, 7.0]


def test_avg_pool_transform_and_missing_attributes():
    data = Data(x=X, edge_index=EDGE_INDEX)
    out = avg_pool(CLUSTER, data, transform=lambda d: ("seen", d))
    assert out[0] == "seen"
    assert out[1].pos is None and out[1].batch is None and out[1].edge_attr is None


def test_avg_pool_neighbor_x_by_hand():
    x = torch.tensor([[1.0], [4.0], [2.0], [0.0]])
    edge_index = torch.tensor([[0, 1, 2], [1, 2, 3]])  # 0 -> 1 -> 2 -> 3
    out = avg_pool_neighbor_x(Data(x=x.clone(), edge_index=edge_index))
    assert out.x.view(-1).tolist() == [1.0, 2.5, 3.0, 1.0]
    out = avg_pool_neighbor_x(Data(x=x.clone(), edge_index=edge_index),
                              flow="target_to_source")
    assert out.x.view(-1).tolist() == [2.5, 3.0, 1.0, 0.0]


def test_avg_pool_gradient_is_uniform():
    x = X.clone().requires_grad_()
    out, _ = avg_pool_x(CLUSTER, x, BATCH)
    out.sum().backward()
    assert x.grad.tolist() == [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [1.0, 1.0]]


def test_avg_pool_bad_input():
    with pytest.raises(ValueError, match="one entry per node"):
        avg_pool_x(torch.tensor([0, 1]), X, BATCH)
    with pytest.raises(ValueError, match="flow must be"):
        avg_pool_neighbor_x(Data(x=X, edge_index=EDGE_INDEX), flow="up")


def test_avg_pool_matches_torch_geometric():
    pyg = pytest.importorskip("torch_geometric")
    from torch_geometric.nn import avg_pool as pyg_avg_pool
    data = pyg.data.Batch(x=X, pos=POS, edge_index=EDGE_INDEX, edge_attr=EDGE_ATTR,
                          batch=BATCH)
    ref = pyg_avg_pool(CLUSTER, data)
    out = avg_pool(CLUSTER, Data(x=X, pos=POS, edge_index=EDGE_INDEX, edge_attr=EDGE_ATTR,
                                 batch=BATCH))
    for key in ("x", "pos", "edge_index", "edge_attr", "batch"):
        assert torch.allclose(out[key].float(), ref[key].float()), key
