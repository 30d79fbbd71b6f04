import pytest
import torch

from distgnn.nn.pool.pool import check_cluster, check_flow, pool_batch, pool_edge, pool_pos


def test_pool_edge_by_hand():
    cluster = torch.tensor([0, 0, 1, 2])
    edge_index = torch.tensor([[0, 1, 2, 3, 2, 0], [1, 2, 3, 2, 0, 3]])
    attr = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    out, out_attr = pool_edge(cluster, edge_index, attr)
    # 0->1 becomes a loop and is dropped; 2->0 (5.) and 0->3 (6.) stay single
    assert out.tolist() == [[0, 0, 1, 1, 2], [1, 2, 0, 2, 1]]
    assert out_attr.tolist() == [2.0, 6.0, 5.0, 3.0, 4.0]
    out, out_attr = pool_edge(cluster, torch.tensor([[0], [1]]))
    assert out.shape == (2, 0) and out_attr is None


def test_pool_batch_and_pos():
    assert pool_batch(torch.tensor([2, 0]), torch.tensor([0, 0, 1])).tolist() == [1, 0]
    pos = torch.tensor([[0.0, 0.0], [2.0, 4.0], [1.0, 1.0]])
    assert pool_pos(torch.tensor([0, 0, 1]), pos).tolist() == [[1.0, 2.0], [1.0, 1.0]]


def test_checks():
    with pytest.raises(ValueError, match="1-D LongTensor"):
        check_cluster("op", torch.rand(3), 3)
    with pytest.raises(ValueError, match=r"one entry per node \(4\), got 3"):
        check_cluster("op", torch.zeros(3, dtype=torch.long), 4)
    with pytest.raises(ValueError, match="flow must be"):
        check_flow("op", "sideways")
