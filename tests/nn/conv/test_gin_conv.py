import pytest
import torch
from torch.nn import Linear, ReLU, Sequential

from distgnn.nn import GINConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def _mlp(i=8, o=16):
    return Sequential(Linear(i, 32), ReLU(), Linear(32, o))


def test_gin_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = GINConv(_mlp(), eps=0.5)
    assert repr(conv) == ("GINConv(nn=Sequential(\n"
                          "  (0): Linear(in_features=8, out_features=32, bias=True)\n"
                          "  (1): ReLU()\n"
                          "  (2): Linear(in_features=32, out_features=16, bias=True)\n"
                          "))")
    out = conv(x, EDGE_INDEX)
    agg = torch.stack([x[1], x[0] + x[2] + x[3], torch.zeros(8), x[0]])
    assert torch.allclose(out, conv.nn(1.5 * x + agg), atol=1e-6)
    # A + (1 + eps) I, in matrix form
    A = torch.zeros(4, 4)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = 1.0
    assert torch.allclose(out, conv.nn((A + 1.5 * torch.eye(4)) @ x), atol=1e-6)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-6)
    # edge values of a SparseTensor are ignored
    weighted = _adj(EDGE_INDEX, (4, 4)).set_value(torch.rand(5), layout="coo")
    assert torch.allclose(conv(x, weighted), out, atol=1e-6)


def test_gin_conv_train_eps():
    conv = GINConv(_mlp(), eps=0.25, train_eps=True)
    assert isinstance(conv.eps, torch.nn.Parameter) and conv.eps.item() == 0.25
    x = torch.randn(4, 8)
    conv(x, EDGE_INDEX).sum().backward()
    assert conv.eps.grad is not None
    with torch.no_grad():
        conv.eps.fill_(3.0)
    conv.reset_parameters()
    assert conv.eps.item() == 0.25
    frozen = GINConv(_mlp())
    assert "eps" in dict(frozen.named_buffers()) and "eps" not in dict(frozen.named_parameters())


def test_gin_conv_bipartite():
    torch.manual_seed(1)
    x_src, x_dst = torch.randn(4, 8), torch.randn(2, 8)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = GINConv(_mlp(), eps=1.0)
    out = conv((x_src, x_dst), edge_index)
    expected = conv.nn(torch.stack([x_src[0] + x_src[1], x_src[2] + x_src[3]]) + 2 * x_dst)
    assert torch.allclose(out, expected, atol=1e-6)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4))), out, atol=1e-6)
    out_none = conv((x_src, None), edge_index, size=(4, 2))
    agg = torch.stack([x_src[0] + x_src[1], x_src[2] + x_src[3]])
    assert torch.allclose(out_none, conv.nn(agg), atol=1e-6)


def test_gin_conv_gradcheck():
    torch.manual_seed(2)
    conv = GINConv(_mlp(3, 2), train_eps=True).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: conv(t, EDGE_INDEX), (x,))


def test_gin_conv_bad_nn():
    with pytest.raises(TypeError, match="nn must be"):
        GINConv(3)


def test_gin_conv_jit():
    x = torch.randn(4, 8)
    conv = GINConv(_mlp(), eps=0.1)
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(jit(x, EDGE_INDEX), out, atol=1e-6)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-6)
