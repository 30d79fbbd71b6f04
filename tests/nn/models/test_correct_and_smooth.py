"""CorrectAndSmooth: correction (autoscale and fixed scale) and smoothing by hand."""
import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import CorrectAndSmooth

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])  # path 0-1-2-3


def _A():
    A = torch.zeros(4, 4)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = 1
    d = A.sum(1).pow(-0.5)
    return d.view(-1, 1) * A * d.view(1, -1)


def _prop(x, layers, alpha, post):
    res = (1 - alpha) * x
    out = x
    for _ in range(layers):
        out = post(alpha * (_A() @ out) + res)
    return out


Y_SOFT = torch.tensor([[0.7, 0.3], [0.6, 0.4], [0.5, 0.5], [0.2, 0.8]])
Y_TRUE = torch.tensor([1, 1])
MASK = torch.tensor([True, False, False, True])


def test_correct_with_autoscale():
    model = CorrectAndSmooth(2, 0.8, 2, 0.5)
    out = model.correct(Y_SOFT, Y_TRUE, MASK, EDGE_INDEX)
    error = torch.zeros(4, 2)
    error[MASK] = F.one_hot(Y_TRUE, 2).float() - Y_SOFT[MASK]
    smoothed = _prop(error, 2, 0.8, lambda t: t.clamp(-1, 1))
    sigma = error[MASK].abs().sum() / 2
    scale = sigma / smoothed.abs().sum(1, keepdim=True)
    scale[scale.isinf() | (scale > 1000)] = 1.0
    assert torch.allclose(out, Y_SOFT + scale * smoothed, atol=1e-6)


def test_correct_with_fixed_scale_keeps_training_error():
    model = CorrectAndSmooth(3, 0.8, 2, 0.5, autoscale=False, scale=0.5)
    out = model.correct(Y_SOFT, Y_TRUE, torch.tensor([0, 3]), EDGE_INDEX)
    error = torch.zeros(4, 2)
    error[MASK] = F.one_hot(Y_TRUE, 2).float() - Y_SOFT[MASK]

    def fix(t):
        t = t.clone()
        t[MASK] = error[MASK]
        return t

    assert torch.allclose(out, Y_SOFT + 0.5 * _prop(error, 3, 0.8, fix), atol=1e-6)


def test_smooth_does_not_modify_input():
    model = CorrectAndSmooth(2, 0.8, 2, 0.5)
    y_soft = Y_SOFT.clone()
    out = model.smooth(y_soft, Y_TRUE, MASK, EDGE_INDEX)
    start = Y_SOFT.clone()
    start[MASK] = F.one_hot(Y_TRUE, 2).float()
    assert torch.allclose(out, _prop(start, 2, 0.5, lambda t: t.clamp(0, 1)), atol=1e-6)
    assert torch.equal(y_soft, Y_SOFT)


def test_repr_and_errors():
    model = CorrectAndSmooth(2, 0.8, 3, 0.5)
    assert repr(model) == ("CorrectAndSmooth(\n"
                           "    correct: num_layers=2, alpha=0.8\n"
                           "    smooth:  num_layers=3, alpha=0.5\n"
                           "    autoscale=True, scale=1.0\n"
                           ")")
    with pytest.raises(ValueError, match="rows summing to 1"):
        model.correct(Y_SOFT * 3, Y_TRUE, MASK, EDGE_INDEX)
    with pytest.raises(ValueError, match=r"one label per training node \(2\), got 3"):
        model.smooth(Y_SOFT, torch.tensor([0, 1, 1]), MASK, EDGE_INDEX)


def test_matches_torch_geometric():
    pyg = pytest.importorskip("torch_geometric.nn")
    torch.manual_seed(0)
    edge_index = torch.randint(0, 30, (2, 90))
    y_soft = torch.rand(30, 4).softmax(-1)
    mask = torch.rand(30) < 0.4
    y_true = torch.randint(0, 4, (int(mask.sum()),))
    for kwargs in ({}, {"autoscale": False, "scale": 0.7}):
        ours = CorrectAndSmooth(3, 0.9, 4, 0.7, **kwargs)
        theirs = pyg.CorrectAndSmooth(3, 0.9, 4, 0.7, **kwargs)
        a = ours.correct(y_soft, y_true, mask, edge_index)
        b = theirs.correct(y_soft, y_true, mask, edge_index)
        assert torch.allclose(a, b, atol=1e-5)
        assert torch.allclose(ours.smooth(a, y_true, mask, edge_index),
                              theirs.smooth(b.clone(), y_true, mask, edge_index), atol=1e-5)
