"""LabelPropagation: iterations by hand with a dense normalized adjacency."""
import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import LabelPropagation
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])  # path 0-1-2-3


def _dense_norm(edge_index, n, weight=None):
    A = torch.zeros(n, n)
    w = torch.ones(edge_index.size(1)) if weight is None else weight
    A[edge_index[1], edge_index[0]] = w
    if weight is not None:
        return A
    d = A.sum(1).pow(-0.5)
    d[torch.isinf(d)] = 0
    return d.view(-1, 1) * A * d.view(1, -1)


def _reference(y, A, mask, layers, alpha, post=lambda t: t.clamp(0, 1)):
    out = torch.zeros_like(y)
    out[mask] = y[mask]
    res = (1 - alpha) * out
    for _ in range(layers):
        out = post(alpha * (A @ out) + res)
    return out


def test_matches_dense_iteration_and_sparse_input():
    y = torch.tensor([0, 1, 1, 0])
    mask = torch.tensor([True, False, False, True])
    model = LabelPropagation(num_layers=3, alpha=0.9)
    assert repr(model) == "LabelPropagation(num_layers=3, alpha=0.9)"
    out = model(y, EDGE_INDEX, mask)
    expected = _reference(F.one_hot(y).float(), _dense_norm(EDGE_INDEX, 4), mask, 3, 0.9)
    assert torch.allclose(out, expected, atol=1e-6)
    # one step by hand: node 1 hears 0.9 * (1/sqrt(1*2)) from node 0's class-0 label
    one = LabelPropagation(1, 0.9)(y, EDGE_INDEX, mask)
    assert one[1, 0].item() == pytest.approx(0.9 / 2 ** 0.5, rel=1e-6)
    assert one[0, 0].item() == pytest.approx(0.1, rel=1e-6)
    adj_t = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(model(y, adj_t, mask), out, atol=1e-6)
    # index mask gives the same as bool mask
    assert torch.allclose(model(y, EDGE_INDEX, torch.tensor([0, 3])), out, atol=1e-6)


def test_edge_weight_is_used_as_given_and_post_step():
    y = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    w = torch.tensor([4.0, 0.5, 1.0, 1.0, 3.0, 0.25])
    model = LabelPropagation(2, 0.5)
    out = model(y, EDGE_INDEX, edge_weight=w, post_step=lambda t: t)
    expected = _reference(y, _dense_norm(EDGE_INDEX, 4, w), torch.ones(4, dtype=torch.bool),
                          2, 0.5, post=lambda t: t)
    assert torch.allclose(out, expected, atol=1e-6)
    one = LabelPropagation(1, 0.5)(y, EDGE_INDEX, edge_weight=w, post_step=lambda t: t)
    assert one[1, 0].item() == pytest.approx(2.0)  # 0.5 * 4 * 1, not clamped
    assert LabelPropagation(1, 0.5)(y, EDGE_INDEX, edge_weight=w)[1, 0].item() == 1.0


def test_matches_torch_geometric():
    pyg = pytest.importorskip("torch_geometric.nn")
    torch.manual_seed(0)
    edge_index = torch.randint(0, 20, (2, 60))
    y = torch.randint(0, 3, (20,))
    mask = torch.rand(20) < 0.3
    ours = LabelPropagation(4, 0.8)(y, edge_index, mask)
    theirs = pyg.LabelPropagation(4, 0.8)(y, edge_index, mask)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_bad_num_layers():
    with pytest.raises(ValueError, match="num_layers must be a non-negative int, got -1"):
        LabelPropagation(-1, 0.5)
