import pytest
import torch

from distgnn.nn import AGNNConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def _reference(x, beta, edges, n):
    cos = torch.nn.functional.cosine_similarity
    P = torch.zeros(n, n)
    for i in range(n):
        srcs = [j for j, t in edges if t == i]
        if srcs:
            w = torch.stack([beta * cos(x[i], x[j], dim=0) for j in srcs]).softmax(0)
            P[i, srcs] = w
    return P @ x


def test_agnn_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = AGNNConv()
    assert repr(conv) == "AGNNConv()"
    assert conv.beta.item() == 1.0 and conv.beta.requires_grad
    with torch.no_grad():
        conv.beta.fill_(2.5)
    out = conv(x, EDGE_INDEX)
    edges = [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3)] + [(i, i) for i in range(4)]
    assert torch.allclose(out, _reference(x, 2.5, edges, 4), atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)
    conv.reset_parameters()
    assert conv.beta.item() == 1.0


def test_agnn_conv_fixed_beta_no_self_loops():
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    conv = AGNNConv(requires_grad=False, add_self_loops=False)
    assert "beta" in dict(conv.named_buffers())
    out = conv(x, EDGE_INDEX)
    edges = [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3)]
    assert torch.allclose(out, _reference(x, 1.0, edges, 4), atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


def test_agnn_conv_gradcheck():
    conv = AGNNConv().double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: conv(t, EDGE_INDEX), (x,))


def test_agnn_conv_jit():
    x = torch.randn(4, 8)
    conv = AGNNConv()
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(jit(x, EDGE_INDEX), out, atol=1e-5)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)
