import numpy as np
import pytest
import torch

from distgnn.partition import partition_graph, write_store

from partition_helpers import two_cliques


@pytest.mark.parametrize("ei, n, exc, words", [
    (np.array([[0, -1], [1, 2]]), 5, ValueError, ">= 0"),
    (np.array([[0, 7], [1, 2]]), 5, ValueError, "< num_nodes=5"),
    (np.array([[0.5, 1], [1, 2]]), 5, TypeError, "integer"),
    (np.array([[0, 1, 2]]), 5, ValueError, "[2, num_edges]"),
    (np.zeros((2, 0), np.int64), None, ValueError, "empty"),
    (np.zeros((2, 0), np.int64), 0, ValueError, "empty"),
])
def test_bad_edges(ei, n, exc, words):
    with pytest.raises(exc, match=None) as info:
        partition_graph(ei, n, 2)
    assert words in str(info.value)


@pytest.mark.parametrize("k", [0, -1, 21])
def test_bad_num_parts(k):
    with pytest.raises(ValueError, match="num_parts"):
        partition_graph(two_cliques(), 20, k)


def test_unknown_method():
    with pytest.raises(ValueError, match="method must be one of .*got 'kmeans'"):
        partition_graph(two_cliques(), 20, 2, method="kmeans")


def test_bad_imbalance():
    with pytest.raises(ValueError, match="imbalance"):
        partition_graph(two_cliques(), 20, 2, imbalance=-1)


@pytest.mark.parametrize("kw, words", [
    ({"x": np.full((20, 3), np.nan)}, "finite"),
    ({"x": np.ones((19, 3))}, "num_nodes=20 rows"),
    ({"y": np.ones(21, np.int64)}, "num_nodes=20 rows"),
    ({"y": np.ones(20) * 0.5}, "integer"),
    ({"masks": {"train": np.ones(5, bool)}}, "num_nodes=20 rows"),
    ({"x": np.array([[np.inf]] * 20)}, "finite"),
])
def test_bad_node_data_writes_nothing(tmp_path, kw, words):
    with pytest.raises((ValueError, TypeError)) as info:
        write_store(tmp_path / "g.zarr", two_cliques(), 20, torch.zeros(20, dtype=torch.long), **kw)
    assert words in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_bad_assignment_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="assignment"):
        write_store(tmp_path / "g.zarr", two_cliques(), 20, np.full(20, -1))
    with pytest.raises(ValueError, match="num_nodes=20 rows"):
        write_store(tmp_path / "g.zarr", two_cliques(), 20, np.zeros(3, np.int64))
    assert list(tmp_path.iterdir()) == []


def test_bad_input_with_an_on_disk_csr(tmp_path):
    from distgnn.partition.disk_csr import build_disk_csr

    csr = build_disk_csr([two_cliques()], 20, tmp_path / "c")
    with pytest.raises(ValueError, match="num_nodes must match the CSR's 20, got 21"):
        partition_graph(csr, 21, 2)
    with pytest.raises(ValueError, match="edge_weight / node_weight"):
        partition_graph(csr, None, 2, edge_weight=np.ones(csr.num_edges))
    with pytest.raises(ValueError, match="num_parts"):
        partition_graph(csr, None, 21)
    with pytest.raises(ValueError, match="honoured by metis and graclus"):
        partition_graph(two_cliques(), 20, 2, method="stream", edge_weight=np.ones(two_cliques().shape[1]))
    part = partition_graph(csr, None, 2, method="auto").numpy()
    assert int((part[two_cliques()[0]] != part[two_cliques()[1]]).sum()) == 1
