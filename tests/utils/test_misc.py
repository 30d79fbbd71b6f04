import pytest
import scipy.sparse
import torch

from distgnn.data import Data
from distgnn.utils import (accuracy, dropout_adj, f1_score, false_negative, false_positive,
                           from_scipy_sparse_matrix, get_laplacian, grid, homophily,
                           intersection_and_union, mean_iou, precision, recall, scatter_,
                           to_scipy_sparse_matrix, true_negative, true_positive)


def test_dropout_adj():
    ei = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    assert dropout_adj(ei, p=0.9, training=False)[0] is ei
    assert dropout_adj(ei, p=1.0)[0].size(1) == 0
    assert torch.equal(dropout_adj(ei, p=0.0)[0], ei)
    torch.manual_seed(0)
    big = torch.randint(0, 100, (2, 4000))
    out, attr = dropout_adj(big, torch.arange(4000), p=0.25)
    assert 2800 < out.size(1) < 3200 and torch.equal(big[:, attr], out)
    und, _ = dropout_adj(ei, p=0.5, force_undirected=True)
    keys = set((und[0] * 3 + und[1]).tolist())
    assert keys == set((und[1] * 3 + und[0]).tolist())
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        dropout_adj(ei, p=1.5)


def test_laplacian_by_hand():
    ei = torch.tensor([[0, 1, 1, 2, 2], [1, 0, 2, 1, 2]])  # path 0-1-2, loop at 2 ignored
    def lap(norm):
        index, value = get_laplacian(ei, normalization=norm)
        return torch.zeros(3, 3).index_put_((index[0], index[1]), value, accumulate=True)
    assert lap(None).tolist() == [[1, -1, 0], [-1, 2, -1], [0, -1, 1]]
    s = 2 ** -0.5
    assert torch.allclose(lap("sym"), torch.tensor([[1, -s, 0], [-s, 1, -s], [0, -s, 1]]))
    assert torch.allclose(lap("rw"), torch.tensor([[1, -1, 0], [-0.5, 1, -0.5], [0, -1, 1.0]]))
    with pytest.raises(ValueError, match="normalization"):
        get_laplacian(ei, normalization="row")


def test_scipy_round_trip():
    ei = torch.tensor([[0, 2], [1, 0]])
    A = to_scipy_sparse_matrix(ei, torch.tensor([3.0, 4.0]), 3)
    assert A.shape == (3, 3) and A.toarray().tolist() == [[0, 3, 0], [0, 0, 0], [4, 0, 0]]
    back, w = from_scipy_sparse_matrix(scipy.sparse.csr_matrix(A))
    assert back.tolist() == [[0, 2], [1, 0]] and w.tolist() == [3.0, 4.0]


def test_networkx_round_trip():
    pytest.importorskip("networkx")
    from distgnn.utils import from_networkx, to_networkx
    data = Data(edge_index=torch.tensor([[0, 1, 1], [1, 0, 2]]), x=torch.tensor([[1.0], [2.0], [3.0]]))
    G = to_networkx(data, node_attrs=["x"])
    assert sorted(G.edges) == [(0, 1), (1, 0), (1, 2)] and G.nodes[2]["x"] == [3.0]
    und = Data(edge_index=torch.tensor([[0, 1, 1, 2, 2], [1, 0, 2, 1, 2]]))
    U = to_networkx(und, to_undirected=True, remove_self_loops=True)
    assert sorted(tuple(sorted(e)) for e in U.edges) == [(0, 1), (1, 2)]
    back = from_networkx(G)
    assert sorted(zip(*back.edge_index.tolist())) == [(0, 1), (1, 0), (1, 2)]
    assert back.x.tolist() == [[1.0], [2.0], [3.0]] and back.num_nodes == 3


def test_grid():
    ei, pos = grid(2, 2)
    assert ei.size(1) == 16  # 4 nodes, every pair adjacent (8-neighbour), plus loops
    assert pos.tolist() == [[0, 1], [1, 1], [0, 0], [1, 0]]
    ei, _ = grid(3, 3)
    assert int((ei[0] == 4).sum()) == 9 and int((ei[0] == 0).sum()) == 4


def test_homophily():
    ei = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
    y = torch.tensor([0, 0, 1, 1])
    assert homophily(ei, y) == 0.5
    ei = torch.tensor([[0, 2, 1, 3], [1, 1, 2, 2]])
    assert homophily(ei, y, method="node") == pytest.approx(0.5)
    per_graph = homophily(torch.tensor([[0, 2], [1, 3]]), torch.tensor([0, 0, 0, 1]),
                          batch=torch.tensor([0, 0, 1, 1]))
    assert per_graph.tolist() == [1.0, 0.0]


def test_metrics_by_hand():
    pred = torch.tensor([0, 1, 1, 2, 2])
    target = torch.tensor([0, 1, 2, 2, 0])
    assert accuracy(pred, target) == 0.6
    assert true_positive(pred, target, 3).tolist() == [1, 1, 1]
    assert false_positive(pred, target, 3).tolist() == [0, 1, 1]
    assert false_negative(pred, target, 3).tolist() == [1, 0, 1]
    assert true_negative(pred, target, 3).tolist() == [3, 3, 2]
    assert precision(pred, target, 3).tolist() == [1.0, 0.5, 0.5]
    assert recall(pred, target, 3).tolist() == [0.5, 1.0, 0.5]
    assert torch.allclose(f1_score(pred, target, 3), torch.tensor([2 / 3, 2 / 3, 0.5]))
    inter, union = intersection_and_union(pred, target, 3)
    assert inter.tolist() == [[1, 1, 1]] and union.tolist() == [[2, 2, 3]]
    assert torch.allclose(mean_iou(pred, target, 3), torch.tensor([(0.5 + 0.5 + 1 / 3) / 3]))


def test_legacy_scatter():
    src = torch.tensor([1.0, 3.0, 2.0])
    index = torch.tensor([0, 0, 2])
    assert scatter_("add", src, index).tolist() == [4.0, 0.0, 2.0]
    assert scatter_("mean", src, index, dim_size=4).tolist() == [2.0, 0.0, 2.0, 0.0]
    assert scatter_("max", src, index).tolist() == [3.0, 0.0, 2.0]
    with pytest.raises(ValueError, match="name"):
        scatter_("median", src, index)
