"""Normalisation layers against per-graph statistics computed directly."""
import torch

from distgnn.nn import (BatchNorm, DiffGroupNorm, GraphNorm, GraphSizeNorm, InstanceNorm,
                        LayerNorm, PairNorm)

torch.manual_seed(0)
X = torch.randn(7, 3)
BATCH = torch.tensor([0, 0, 0, 1, 1, 1, 1])
GRAPHS = [X[:3], X[3:]]


def per_graph(fn):
    return torch.cat([fn(g) for g in GRAPHS], 0)


def test_batch_norm_matches_column_statistics():
    norm = BatchNorm(3)
    assert repr(norm) == "BatchNorm(3)"
    out = norm(X)
    expected = (X - X.mean(0)) / (X.var(0, unbiased=False) + 1e-5).sqrt()
    assert torch.allclose(out, expected, atol=1e-5)


def test_instance_norm_per_graph():
    norm = InstanceNorm(3)
    out = norm(X, BATCH)
    expected = per_graph(lambda g: (g - g.mean(0)) / (g.var(0, unbiased=False) + 1e-5).sqrt())
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(norm(X), (X - X.mean(0)) / (X.var(0, unbiased=False) + 1e-5).sqrt(),
                          atol=1e-5)
    tracked = InstanceNorm(3, track_running_stats=True)
    tracked(X, BATCH)
    assert not torch.equal(tracked.running_mean, torch.zeros(3))


def test_layer_norm_per_graph():
    out = LayerNorm(3)(X, BATCH)
    expected = per_graph(lambda g: (g - g.mean()) / (g.var(unbiased=False) + 1e-5).sqrt())
    assert torch.allclose(out, expected, atol=1e-5)


def test_graph_norm_with_unit_alpha_is_instance_norm():
    out = GraphNorm(3)(X, BATCH)
    expected = per_graph(lambda g: (g - g.mean(0)) / (g.var(0, unbiased=False) + 1e-5).sqrt())
    assert torch.allclose(out, expected, atol=1e-5)
    norm = GraphNorm(3)
    norm.mean_scale.data.fill_(0.5)
    expected = per_graph(lambda g: (g - 0.5 * g.mean(0)) /
                         ((g - 0.5 * g.mean(0)).pow(2).mean(0) + 1e-5).sqrt())
    assert torch.allclose(norm(X, BATCH), expected, atol=1e-5)


def test_graph_size_norm():
    out = GraphSizeNorm()(X, BATCH)
    assert torch.allclose(out, per_graph(lambda g: g / g.size(0) ** 0.5))


def test_pair_norm():
    out = PairNorm(scale=2.0)(X, BATCH)

    def ref(g):
        c = g - g.mean(0)
        return 2.0 * c / (1e-5 + c.pow(2).sum(-1).mean()).sqrt()
    assert torch.allclose(out, per_graph(ref), atol=1e-5)
    ind = PairNorm(scale_individually=True)(X, BATCH)
    assert torch.allclose(ind.norm(dim=-1), torch.ones(7), atol=1e-3)


def test_diff_group_norm_formula():
    norm = DiffGroupNorm(3, groups=2, lamda=0.5)
    out = norm(X)
    s = torch.softmax(X @ norm.lin.weight.t(), -1)
    parts = []
    for i in range(2):
        h = s[:, i:i + 1] * X
        parts.append((h - h.mean(0)) / (h.var(0, unbiased=False) + 1e-5).sqrt())
    assert torch.allclose(out, X + 0.5 * sum(parts), atol=1e-5)
    y = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    assert DiffGroupNorm.group_distance_ratio(X, y) > 0
