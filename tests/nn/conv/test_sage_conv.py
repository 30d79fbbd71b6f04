import pytest
import torch

from distgnn.nn import SAGEConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def test_sage_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = SAGEConv(8, 16)
    assert repr(conv) == "SAGEConv(8, 16)"
    out = conv(x, EDGE_INDEX)
    mean = torch.stack([x[1], (x[0] + x[2] + x[3]) / 3, torch.zeros(8), x[0]])
    expected = conv.lin_l(mean) + conv.lin_r(x)
    assert torch.allclose(out, expected, atol=1e-6)

    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-6)


def test_sage_conv_options():
    x = torch.randn(4, 8)
    conv = SAGEConv(8, 16, normalize=True, root_weight=False, bias=False, aggr="max")
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out.norm(dim=-1)[[0, 1, 3]], torch.ones(3), atol=1e-5)
    assert not hasattr(conv, "lin_r") and conv.lin_l.bias is None
    agg = torch.stack([x[1], torch.max(torch.stack([x[0], x[2], x[3]]), 0).values,
                       torch.zeros(8), x[0]])
    assert torch.allclose(out, torch.nn.functional.normalize(conv.lin_l(agg), dim=-1),
                          atol=1e-6)


def test_sage_conv_bipartite():
    x_src, x_dst = torch.randn(5, 8), torch.randn(2, 4)
    edge_index = torch.tensor([[0, 4, 3], [1, 1, 0]])
    conv = SAGEConv((8, 4), 16)
    assert repr(conv) == "SAGEConv((8, 4), 16)"
    out = conv((x_src, x_dst), edge_index)
    expected = conv.lin_l(torch.stack([x_src[3], (x_src[0] + x_src[4]) / 2])) + conv.lin_r(x_dst)
    assert torch.allclose(out, expected, atol=1e-6)
    adj = SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=(2, 5))
    assert torch.allclose(conv((x_src, x_dst), adj), out, atol=1e-6)
    # no root term when the target side is None
    assert torch.allclose(conv((x_src, None), edge_index, size=(5, 2)),
                          out - conv.lin_r(x_dst), atol=1e-6)


def test_sage_conv_gradcheck():
    conv = SAGEConv(3, 2).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: conv(t, EDGE_INDEX), (x,))


def test_sage_conv_jit():
    x = torch.randn(4, 8)
    conv = SAGEConv(8, 16)
    scripted = torch.jit.script(conv.jittable())
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(scripted(x, EDGE_INDEX), conv(x, EDGE_INDEX), atol=1e-6)
    assert torch.allclose(scripted(x, adj), conv(x, EDGE_INDEX), atol=1e-6)
