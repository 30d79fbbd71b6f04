import pytest
import torch

from distgnn.nn.conv import PANConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 3], [1, 0, 2, 1, 3, 2, 0]])


def dense_m(conv, n):
    A = torch.zeros(n, n, dtype=conv.weight.dtype)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = 1.0  # target-by-source
    M, P, c = torch.zeros_like(A), torch.eye(n, dtype=A.dtype), 1.0
    for k in range(conv.filter_size + 1):
        c = c * conv.weight[k]
        M = M + c * P
        P = P @ A
    z = M.sum(1).pow(-0.5)
    return z.view(-1, 1) * M * z.view(1, -1)


def test_pan_conv_formula_and_sparse():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = PANConv(3, 5, filter_size=2)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([0.9, 0.5, 0.3]))
    out, M = conv(x, EDGE_INDEX)
    ref_m = dense_m(conv, 4)
    assert torch.allclose(M.to_dense(), ref_m, atol=1e-6)
    assert torch.allclose(out, conv.lin(ref_m @ x), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    out2, _ = conv(x, adj)
    assert torch.allclose(out2, out, atol=1e-6)
    assert repr(conv) == "PANConv(3, 5, filter_size=2)"


def test_pan_conv_grad():
    conv = PANConv(2, 2, filter_size=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)

    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX)[0], (x,))
    out = conv(x, EDGE_INDEX)[0].sum()
    out.backward()
    assert conv.weight.grad is not None and torch.isfinite(conv.weight.grad).all()
    eps, base = 1e-6, conv.weight.detach().clone()
    for k in range(3):
        with torch.no_grad():
            conv.weight.copy_(base)
            conv.weight[k] += eps
            up = conv(x, EDGE_INDEX)[0].sum()
            conv.weight[k] -= 2 * eps
            down = conv(x, EDGE_INDEX)[0].sum()
            conv.weight.copy_(base)
        assert abs((up - down) / (2 * eps) - conv.weight.grad[k]) < 1e-5


def test_pan_conv_errors():
    with pytest.raises(ValueError, match="filter_size"):
        PANConv(3, 4, filter_size=-1)
