import pytest
import torch

import distgnn.nn as nn
from distgnn.nn.pool import graclus


def _undirected(pairs, weights=None):
    row = [a for a, b in pairs] + [b for a, b in pairs]
    col = [b for a, b in pairs] + [a for a, b in pairs]
    edge_index = torch.tensor([row, col])
    if weights is None:
        return edge_index, None
    return edge_index, torch.tensor(list(weights) * 2, dtype=torch.float)


def test_graclus_exported():
    assert nn.graclus is graclus


def test_graclus_disjoint_edges_and_isolated_node():
    edge_index, _ = _undirected([(0, 1), (2, 3)])
    assert graclus(edge_index, num_nodes=5).tolist() == [0, 0, 2, 2, 4]


def test_graclus_picks_heaviest_edge():
    # K4: whichever node comes first, its heaviest neighbour is 0<->1 / 2<->3.
    pairs = [(0, 1), (2, 3), (0, 2), (0, 3), (1, 2), (1, 3)]
    edge_index, weight = _undirected(pairs, [10.0, 10.0, 1.0, 1.0, 1.0, 1.0])
    assert graclus(edge_index, weight).tolist() == [0, 0, 2, 2]
    edge_index, weight = _undirected(pairs, [1.0, 1.0, 1.0, 10.0, 10.0, 1.0])
    assert graclus(edge_index, weight).tolist() == [0, 1, 1, 0]


def test_graclus_is_a_maximal_matching():
    torch.manual_seed(0)
    edge_index = torch.randint(0, 30, (2, 80))
    cluster = graclus(edge_index, num_nodes=30)
    counts = torch.bincount(cluster, minlength=30)
    assert int(counts.max()) <= 2
    assert torch.equal(cluster, torch.minimum(cluster, torch.arange(30)))
    single = counts[cluster] == 1
    row, col = edge_index
    assert not bool((single[row] & single[col] & (row != col)).any())
    # paired nodes are neighbours
    pairs = {(int(a), int(b)) for a, b in edge_index.t()}
    for v in range(30):
        c = int(cluster[v])
        if c != v:
            assert (c, v) in pairs or (v, c) in pairs


def test_graclus_bad_input():
    with pytest.raises(ValueError, match=r"shape \[2, E\]"):
        graclus(torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="weight must have shape"):
        graclus(torch.tensor([[0, 1], [1, 0]]), torch.ones(3))
