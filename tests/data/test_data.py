import copy

import pytest
import torch

from distgnn.data import Data


def _graph():
    x = torch.arange(6, dtype=torch.float).view(3, 2)
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    return Data(x=x, edge_index=edge_index, y=torch.tensor([0, 1, 0]))


def test_keys_access_and_repr():
    data = _graph()
    assert sorted(data.keys) == ["edge_index", "x", "y"]
    assert "x" in data and "pos" not in data
    assert data["x"] is data.x
    data["z"] = torch.ones(3)
    assert data.z.tolist() == [1.0, 1.0, 1.0] and len(data) == 4
    assert [k for k, _ in data] == ["edge_index", "x", "y", "z"]
    assert [k for k, _ in data("y", "x", "missing")] == ["y", "x"]
    assert repr(data) == "Data(edge_index=[2, 4], x=[3, 2], y=[3], z=[3])"
    data.name = "g"
    data.w = torch.tensor(2.5)
    assert 'name="g"' in repr(data) and "w=2.5" in repr(data)
    del data["z"]
    assert "z" not in data


def test_sizes():
    data = _graph()
    assert data.num_nodes == 3 and data.num_edges == 4
    assert data.num_node_features == 2 == data.num_features
    assert data.num_edge_features == 0
    data.edge_attr = torch.ones(4, 5)
    assert data.num_edge_features == 5
    only_edges = Data(edge_index=torch.tensor([[0, 4], [4, 0]]))
    assert only_edges.num_nodes == 5
    only_edges.num_nodes = 9
    assert only_edges.num_nodes == 9 and "num_nodes" not in only_edges.keys
    assert Data(num_nodes=4).num_nodes == 4
    assert Data().num_nodes is None and Data().num_edges is None


def test_graph_properties():
    data = _graph()
    assert data.is_undirected() and not data.is_directed()
    assert not data.contains_self_loops() and not data.contains_isolated_nodes()
    data.num_nodes = 4
    assert data.contains_isolated_nodes()
    directed = Data(edge_index=torch.tensor([[0, 1], [1, 1]]))
    assert directed.is_directed() and directed.contains_self_loops()
    assert directed.is_coalesced()
    messy = Data(edge_index=torch.tensor([[1, 0, 1], [0, 1, 0]]), edge_attr=torch.tensor([1., 2., 3.]))
    assert not messy.is_coalesced()
    messy.coalesce()
    assert messy.edge_index.tolist() == [[0, 1], [1, 0]] and messy.edge_attr.tolist() == [2., 4.]


def test_cat_dim_inc():
    data = _graph()
    assert data.__cat_dim__("edge_index", data.edge_index) == -1
    assert data.__cat_dim__("my_face", None) == -1
    assert data.__cat_dim__("x", data.x) == 0
    assert data.__inc__("edge_index", data.edge_index) == 3
    assert data.__inc__("pair_index", None) == 3
    assert data.__inc__("y", data.y) == 0


def test_apply_clone_to_dict():
    data = _graph()
    clone = data.clone()
    clone.x += 1
    assert data.x[0, 0] == 0 and clone.x[0, 0] == 1
    data.apply(lambda t: t * 2, "x")
    assert data.x[2, 1] == 10 and data.y.tolist() == [0, 1, 0]
    data.to(torch.float64, "x")
    assert data.x.dtype == torch.float64
    assert data.cpu().contiguous() is data
    d = data.to_dict()
    assert set(d) == {"x", "edge_index", "y"}
    rebuilt = Data.from_dict(d)
    assert torch.equal(rebuilt.edge_index, data.edge_index)
    assert copy.copy(data).x is data.x


def test_bad_input():
    with pytest.raises(ValueError, match="torch.long"):
        Data(edge_index=torch.tensor([[0.0], [1.0]]))
    bad = Data(x=torch.ones(2, 1), edge_index=torch.tensor([[0], [5]]))
    with pytest.raises(RuntimeError, match="2 nodes"):
        bad.debug()
    _graph().debug()
