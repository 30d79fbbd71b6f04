import pytest
import torch

from distgnn.utils import dense_to_sparse, to_dense_adj, to_dense_batch


def test_to_dense_batch_by_hand():
    x = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]])
    batch = torch.tensor([0, 0, 1, 2, 2, 2])
    out, mask = to_dense_batch(x, batch, fill_value=-1)
    assert out.view(3, 3).tolist() == [[1, 2, -1], [3, -1, -1], [4, 5, 6]]
    assert mask.tolist() == [[True, True, False], [True, False, False], [True, True, True]]
    out, mask = to_dense_batch(x, batch, max_num_nodes=2)
    assert out.view(3, 2).tolist() == [[1, 2], [3, 0], [4, 5]]
    out, mask = to_dense_batch(x)
    assert out.shape == (1, 6, 1) and bool(mask.all())
    with pytest.raises(ValueError, match="one entry per node"):
        to_dense_batch(x, batch[:3])


def test_to_dense_adj_by_hand():
    ei = torch.tensor([[0, 0, 1, 2, 3, 3], [0, 1, 0, 3, 2, 2]])
    batch = torch.tensor([0, 0, 1, 1])
    adj = to_dense_adj(ei, batch)
    assert adj.tolist() == [[[1, 1], [1, 0]], [[0, 1], [2, 0]]]
    adj = to_dense_adj(ei, batch, edge_attr=torch.arange(1.0, 7.0))
    assert adj.tolist() == [[[1, 2], [3, 0]], [[0, 4], [11, 0]]]
    single = to_dense_adj(torch.tensor([[0, 1], [1, 2]]))
    assert single.tolist() == [[[0, 1, 0], [0, 0, 1], [0, 0, 0]]]
    assert to_dense_adj(torch.tensor([[0, 1], [1, 2]]), max_num_nodes=2).tolist() == [[[0, 1], [0, 0]]]


def test_dense_to_sparse():
    adj = torch.tensor([[0.0, 2.0], [3.0, 0.0]])
    ei, w = dense_to_sparse(adj)
    assert ei.tolist() == [[0, 1], [1, 0]] and w.tolist() == [2.0, 3.0]
    ei, w = dense_to_sparse(torch.stack([adj, torch.eye(2)]))
    assert ei.tolist() == [[0, 1, 2, 3], [1, 0, 2, 3]] and w.tolist() == [2, 3, 1, 1]
    with pytest.raises(ValueError, match="square"):
        dense_to_sparse(torch.ones(2, 3))
