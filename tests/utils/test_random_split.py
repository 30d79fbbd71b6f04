import pytest
import torch

from distgnn.data import Data
from distgnn.utils import (barabasi_albert_graph, erdos_renyi_graph, is_undirected,
                           stochastic_blockmodel_graph, to_undirected, train_test_split_edges)


def test_erdos_renyi():
    torch.manual_seed(0)
    assert erdos_renyi_graph(5, 0.0).size(1) == 0
    full = erdos_renyi_graph(5, 1.0)
    assert full.size(1) == 20 and is_undirected(full)
    assert erdos_renyi_graph(4, 1.0, directed=True).size(1) == 12
    ei = erdos_renyi_graph(60, 0.2)
    assert is_undirected(ei) and abs(ei.size(1) / (60 * 59) - 0.2) < 0.04
    with pytest.raises(ValueError, match="edge_prob"):
        erdos_renyi_graph(3, 2.0)


def test_stochastic_blockmodel():
    torch.manual_seed(0)
    ei = stochastic_blockmodel_graph([3, 2], [[1.0, 0.0], [0.0, 1.0]])
    assert sorted(zip(*ei.tolist())) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1),
                                         (3, 4), (4, 3)]
    d = stochastic_blockmodel_graph([2, 2], [[0.0, 1.0], [1.0, 0.0]], directed=True)
    assert d.size(1) == 8
    with pytest.raises(ValueError, match="edge_probs"):
        stochastic_blockmodel_graph([2, 2], [[1.0]])


def test_barabasi_albert():
    torch.manual_seed(0)
    ei = barabasi_albert_graph(50, 3)
    assert is_undirected(ei) and int(ei.max()) == 49
    deg = torch.bincount(ei[0], minlength=50)
    assert int(deg[3:].min()) >= 3


def test_train_test_split_edges():
    torch.manual_seed(0)
    n = 30
    ei = to_undirected(torch.randint(0, n, (2, 100)), num_nodes=n)
    ei = ei[:, ei[0] != ei[1]]
    data = Data(edge_index=ei, num_nodes=n)
    num_und = ei.size(1) // 2
    data = train_test_split_edges(data, val_ratio=0.1, test_ratio=0.2)
    assert data.edge_index is None
    n_v, n_t = int(0.1 * num_und), int(0.2 * num_und)
    assert data.val_pos_edge_index.size(1) == n_v and data.test_pos_edge_index.size(1) == n_t
    assert data.train_pos_edge_index.size(1) == 2 * (num_und - n_v - n_t)
    pos = set(zip(*ei.tolist()))
    for key in ("val_neg_edge_index", "test_neg_edge_index"):
        assert not set(zip(*data[key].tolist())) & pos
    assert data.val_neg_edge_index.size(1) == n_v
    for r, c in zip(*data.val_neg_edge_index.tolist()):
        assert not data.train_neg_adj_mask[r, c]
    used = set(zip(*data.val_pos_edge_index.tolist())) | set(zip(*data.test_pos_edge_index.tolist()))
    assert not used & set(zip(*data.train_pos_edge_index.tolist()))
