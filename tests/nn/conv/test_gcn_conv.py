import pytest
import torch

from distgnn.nn import GCNConv
from distgnn.typing import SparseTensor

# Path 0 - 1 - 2 plus a directed edge 3 -> 2.
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 3], [1, 0, 2, 1, 2]])


def dense_norm(edge_index, n, weight=None, fill=1.0):
    a = torch.zeros(n, n)
    w = torch.ones(edge_index.size(1)) if weight is None else weight
    a[edge_index[1], edge_index[0]] = w  # a[i, j]: message j -> i
    a += fill * torch.eye(n)
    deg = a.sum(1)
    d = deg.pow(-0.5)
    return d.view(-1, 1) * a * d.view(1, -1)


def test_gcn_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = GCNConv(8, 16)
    assert repr(conv) == "GCNConv(8, 16)"
    out = conv(x, EDGE_INDEX)
    # degrees with self loops: 2, 3, 3, 1 -> entry (1, 0) is 1 / sqrt(3 * 2)
    norm = dense_norm(EDGE_INDEX, 4)
    assert norm[1, 0].item() == pytest.approx(1 / 6 ** 0.5)
    assert torch.allclose(out, norm @ x @ conv.weight + conv.bias, atol=1e-5)

    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)


def test_gcn_conv_edge_weight_improved_and_no_norm():
    x = torch.randn(4, 8)
    w = torch.tensor([1.0, 2.0, 0.5, 1.5, 3.0])
    conv = GCNConv(8, 4, improved=True, bias=False)
    expected = dense_norm(EDGE_INDEX, 4, w, fill=2.0) @ x @ conv.weight
    assert torch.allclose(conv(x, EDGE_INDEX, w), expected, atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=w, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), expected, atol=1e-5)

    raw = GCNConv(8, 4, normalize=False, bias=False)
    a = torch.zeros(4, 4)
    a[EDGE_INDEX[1], EDGE_INDEX[0]] = w
    assert torch.allclose(raw(x, EDGE_INDEX, w), a @ x @ raw.weight, atol=1e-5)


def test_gcn_conv_without_self_loops():
    x = torch.randn(4, 8)
    conv = GCNConv(8, 4, add_self_loops=False)
    out = conv(x, EDGE_INDEX)
    norm = dense_norm(EDGE_INDEX, 4, fill=0.0).nan_to_num(posinf=0.0)
    norm[torch.isinf(norm)] = 0
    assert torch.allclose(out, norm @ x @ conv.weight + conv.bias, atol=1e-5)


def test_gcn_conv_cached():
    x = torch.randn(4, 8)
    conv = GCNConv(8, 4, cached=True)
    out = conv(x, EDGE_INDEX)
    # a different graph is ignored once the normalisation is cached
    assert torch.allclose(conv(x, EDGE_INDEX[:, :2]), out)
    conv.reset_parameters()
    assert conv._cached_edge_index is None


def test_gcn_conv_gradcheck():
    conv = GCNConv(3, 2).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    w = torch.rand(5, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: conv(a, EDGE_INDEX, b), (x, w))


def test_gcn_conv_jit():
    x = torch.randn(4, 8)
    conv = GCNConv(8, 16)
    scripted = torch.jit.script(conv.jittable())
    assert torch.allclose(scripted(x, EDGE_INDEX), conv(x, EDGE_INDEX), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(scripted(x, adj), conv(x, EDGE_INDEX), atol=1e-5)
