import pytest
import torch

import distgnn.nn as nn
from distgnn.nn.unpool import knn_interpolate

POS_X = torch.tensor([[0.0], [1.0], [3.0], [10.0], [11.0]])
X = torch.tensor([[1.0, -1.0], [2.0, 0.0], [4.0, 2.0], [5.0, 5.0], [7.0, 1.0]])


def test_knn_interpolate_exported():
    assert nn.knn_interpolate is knn_interpolate


def test_knn_interpolate_by_hand():
    pos_y = torch.tensor([[0.25], [2.0]])
    out = knn_interpolate(X[:3], POS_X[:3], pos_y, k=2)
    # y0: w = 1/0.0625 = 16 (x0), 1/0.5625 = 16/9 (x1); y1: equal weights on x1, x2
    f0 = (16 * X[0] + 16 / 9 * X[1]) / (16 + 16 / 9)
    f1 = (X[1] + X[2]) / 2
    assert torch.allclose(out, torch.stack([f0, f1]))
    assert torch.allclose(out[0, 0], torch.tensor(1.1))


def test_knn_interpolate_batch_and_exact_hit():
    batch_x = torch.tensor([0, 0, 0, 1, 1])
    pos_y = torch.tensor([[1.0], [10.4], [0.0]])
    batch_y = torch.tensor([0, 1, 1])
    out = knn_interpolate(X, POS_X, pos_y, batch_x, batch_y, k=3)
    # a point on top of x1 takes its features; example 1 only sees x3, x4
    assert torch.allclose(out[0], X[1], atol=1e-5)
    w3, w4 = 1 / 0.16, 1 / 0.36
    assert torch.allclose(out[1], (w3 * X[3] + w4 * X[4]) / (w3 + w4), atol=1e-5)
    w3, w4 = 1 / 100.0, 1 / 121.0
    assert torch.allclose(out[2], (w3 * X[3] + w4 * X[4]) / (w3 + w4), atol=1e-5)


def test_knn_interpolate_gradcheck():
    x = torch.randn(5, 2, dtype=torch.double, requires_grad=True)
    pos_y = torch.tensor([[0.3], [2.2], [10.5]], dtype=torch.double)
    assert torch.autograd.gradcheck(
        lambda a: knn_interpolate(a, POS_X.double(), pos_y, k=2), (x,))


def test_knn_interpolate_bad_input():
    with pytest.raises(ValueError, match="one row per point"):
        knn_interpolate(X[:3], POS_X, POS_X)
    with pytest.raises(ValueError, match=r"\[N, d\] and \[M, d\]"):
        knn_interpolate(X, POS_X, torch.zeros(2, 2))


def test_knn_interpolate_random_against_dense_formula():
    torch.manual_seed(0)
    pos_x, pos_y, x = torch.rand(30, 3), torch.rand(50, 3), torch.randn(30, 4)
    bx = torch.sort(torch.randint(0, 2, (30,)))[0]
    by = torch.sort(torch.randint(0, 2, (50,)))[0]
    d2 = torch.cdist(pos_y, pos_x).pow(2)
    d2[by.view(-1, 1) != bx.view(1, -1)] = float("inf")
    val, idx = d2.topk(3, dim=1, largest=False)
    w = 1.0 / val
    ref = (w.unsqueeze(-1) * x[idx]).sum(1) / w.sum(1, keepdim=True)
    assert torch.allclose(knn_interpolate(x, pos_x, pos_y, bx, by), ref, atol=1e-5)
