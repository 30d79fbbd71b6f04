import math

import pytest
import torch

from distgnn.ops import cluster
from distgnn.ops import fps, grid, knn, knn_graph, nearest, radius, radius_graph


@pytest.fixture(params=["tree", "dense", "no_torch_cluster"])
def backend(request, monkeypatch):
    """Run every search on each backend: KD-tree (torch_cluster), brute force, and the
    pure-torch fallbacks without torch_cluster."""
    if request.param == "tree":
        if not cluster.WITH_TORCH_CLUSTER:
            pytest.skip("torch_cluster not installed")
    elif request.param == "dense":
        monkeypatch.setattr(cluster, "_TREE_MAX_DIM", -1)
    else:
        monkeypatch.setattr(cluster, "WITH_TORCH_CLUSTER", False)
    return request.param


def brute_knn(x, y, k, bx, by, exclude_self=False, cosine=False):
    out = set()
    for i in range(y.size(0)):
        if cosine:
            d = 1 - torch.nn.functional.cosine_similarity(y[i:i + 1], x)
        else:
            d = (x - y[i]).norm(dim=1)
        d = d.clone()
        d[bx != by[i]] = math.inf
        if exclude_self:
            d[i] = math.inf
        cand = [j for j in d.argsort().tolist() if math.isfinite(d[j])][:k]
        out |= {(i, j) for j in cand}
    return out


def brute_radius(x, y, r, bx, by, exclude_self=False):
    ok = (torch.cdist(y.double(), x.double()) <= r) & (by.unsqueeze(1) == bx.unsqueeze(0))
    if exclude_self:
        ok.fill_diagonal_(False)
    return set(map(tuple, ok.nonzero().tolist()))


def as_set(assign):
    return set(map(tuple, assign.t().tolist()))


def test_knn_doc_example(backend):
    x = torch.tensor([[-1., -1.], [-1., 1.], [1., -1.], [1., 1.]])
    y = torch.tensor([[-1., 0.], [1., 0.]])
    b = torch.tensor([0, 0, 0, 0])
    assign = knn(x, y, 2, b, torch.tensor([0, 0]))
    assert as_set(assign) == {(0, 0), (0, 1), (1, 2), (1, 3)}


@pytest.mark.parametrize("dim", [3, 12])
def test_knn_matches_brute_force(backend, dim):
    torch.manual_seed(0)
    x, y = torch.randn(30, dim), torch.randn(12, dim)
    bx = torch.tensor([0] * 10 + [1] * 5 + [2] * 15)
    by = torch.tensor([0] * 4 + [1] * 4 + [2] * 4)
    out = knn(x, y, 7, bx, by)
    assert as_set(out) == brute_knn(x, y, 7, bx, by)
    # example 1 holds 5 points only: fewer than k neighbours
    assert int((out[0] == 5).sum()) == 5
    # grouped by query, closest first
    assert bool((out[0][1:] >= out[0][:-1]).all())
    d = (x[out[1]] - y[out[0]]).norm(dim=1)
    same = out[0][1:] == out[0][:-1]
    assert bool((d[1:][same] >= d[:-1][same] - 1e-6).all())


def test_knn_cosine():
    torch.manual_seed(1)
    x, y = torch.randn(20, 4), torch.randn(5, 4)
    out = knn(x, y, 3, cosine=True)
    assert as_set(out) == brute_knn(x, y, 3, torch.zeros(20), torch.zeros(5), cosine=True)


@pytest.mark.parametrize("dim", [2, 16])
def test_knn_graph(backend, dim):
    torch.manual_seed(2)
    x = torch.randn(25, dim)
    batch = torch.tensor([0] * 12 + [1] * 13)
    edge_index = knn_graph(x, 4, batch)
    assert edge_index.size(1) == 25 * 4
    expected = brute_knn(x, x, 4, batch, batch, exclude_self=True)
    assert {(j, i) for i, j in as_set(edge_index)} == expected  # source = neighbour
    t2s = knn_graph(x, 4, batch, flow="target_to_source")
    assert as_set(t2s) == expected
    looped = knn_graph(x, 4, batch, loop=True)
    assert {(j, i) for i, j in as_set(looped)} == brute_knn(x, x, 4, batch, batch)
    assert bool((looped[0] == looped[1]).sum() == 25)


def test_knn_graph_duplicate_points_exactly_k(backend):
    x = torch.tensor([[0., 0.], [0., 0.], [0., 0.], [5., 5.]])
    edge_index = knn_graph(x, 2)
    assert edge_index.size(1) == 8
    assert not bool((edge_index[0] == edge_index[1]).any())


@pytest.mark.parametrize("dim", [3, 10])
def test_radius_and_radius_graph(backend, dim):
    torch.manual_seed(3)
    x, y = torch.rand(40, dim), torch.rand(10, dim)
    bx = torch.tensor([0] * 20 + [1] * 20)
    by = torch.tensor([0] * 5 + [1] * 5)
    r = 0.6 if dim == 3 else 1.1
    out = radius(x, y, r, bx, by, max_num_neighbors=64)
    assert as_set(out) == brute_radius(x, y, r, bx, by)
    capped = radius(x, y, r, bx, by, max_num_neighbors=2)
    assert int(torch.bincount(capped[0]).max()) <= 2
    assert as_set(capped) <= as_set(out)
    ei = radius_graph(x, r, bx, max_num_neighbors=64)
    assert {(j, i) for i, j in as_set(ei)} == brute_radius(x, x, r, bx, bx, exclude_self=True)
    ei_loop = radius_graph(x, r, bx, loop=True, max_num_neighbors=64)
    assert {(j, i) for i, j in as_set(ei_loop)} == brute_radius(x, x, r, bx, bx)
    ei_cap = radius_graph(x, r, bx, max_num_neighbors=3)
    assert int(torch.bincount(ei_cap[1]).max()) <= 3
    assert not bool((ei_cap[0] == ei_cap[1]).any())


def test_radius_doc_example(backend):
    x = torch.tensor([[-1., -1.], [-1., 1.], [1., -1.], [1., 1.]])
    y = torch.tensor([[-1., 0.], [1., 0.]])
    assign = radius(x, y, 1.5, torch.zeros(4, dtype=torch.long),
                    torch.zeros(2, dtype=torch.long))
    assert as_set(assign) == {(0, 0), (0, 1), (1, 2), (1, 3)}
    assert radius_graph(x, 1.5).shape == (2, 0)
    ei = radius_graph(x, 2.5)
    assert as_set(ei) == {(1, 0), (2, 0), (0, 1), (3, 1), (0, 2), (3, 2), (1, 3), (2, 3)}


def test_nearest(backend):
    torch.manual_seed(4)
    x, y = torch.randn(20, 3), torch.randn(6, 3)
    bx = torch.tensor([0] * 8 + [1] * 12)
    by = torch.tensor([0] * 2 + [1] * 4)
    cl = nearest(x, y, bx, by)
    d = torch.cdist(x, y)
    d[bx.unsqueeze(1) != by.unsqueeze(0)] = math.inf
    assert torch.equal(cl, d.argmin(dim=1))
    x = torch.tensor([[-1., -1.], [-1., 1.], [1., -1.], [1., 1.]])
    assert nearest(x, torch.tensor([[-1., 0.], [1., 0.]])).tolist() == [0, 0, 1, 1]


def test_fps(backend):
    x = torch.tensor([[0., 0.], [1., 0.], [10., 0.], [5., 0.], [0., 0.], [0., 3.], [0., 1.]])
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    out = fps(x, batch, ratio=0.5, random_start=False)
    # example 0: start 0, farthest 2 (d=10); example 1: start 4, farthest 5
    assert out.tolist() == [0, 2, 4, 5]
    out = fps(x, batch, ratio=0.75, random_start=False)
    assert out.tolist() == [0, 2, 3, 4, 5, 6]
    rnd = fps(x, batch, ratio=0.5)
    assert rnd.numel() == 4 and set(rnd[:2].tolist()) <= {0, 1, 2, 3}
    assert set(rnd[2:].tolist()) <= {4, 5, 6}


def test_grid(backend):
    pos = torch.tensor([[0., 0.], [11., 9.], [2., 8.], [2., 2.], [8., 3.]])
    assert grid(pos, torch.tensor([5., 5.])).tolist() == [0, 5, 3, 0, 1]
    assert grid(pos, 5.0, start=torch.tensor([-1., -1.])).tolist() == [0, 8, 3, 0, 1]


def test_bad_input():
    x = torch.randn(4, 2)
    with pytest.raises(ValueError, match="sorted"):
        knn_graph(x, 2, torch.tensor([1, 0, 0, 1]))
    with pytest.raises(ValueError, match="flow"):
        knn_graph(x, 2, flow="up")
    with pytest.raises(ValueError, match="same number of features"):
        knn(x, torch.randn(3, 3), 2)
    with pytest.raises(ValueError, match="positive"):
        knn(x, x, 0)
    with pytest.raises(ValueError, match="one entry per point"):
        radius_graph(x, 1.0, torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="ratio"):
        fps(x, ratio=1.5)


def test_empty():
    assert knn(torch.empty(0, 3), torch.randn(2, 3), 2).shape == (2, 0)
    assert knn_graph(torch.empty(0, 3), 2).shape == (2, 0)
