import pytest
import torch
import torch.nn.functional as F
from torch.nn import Linear, ReLU, Sequential

from distgnn.nn import GINEConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _mlp(i=8, o=16):
    return Sequential(Linear(i, 32), ReLU(), Linear(32, o))


def test_gine_conv_formula_by_hand():
    torch.manual_seed(0)
    x, e = torch.randn(4, 8), torch.randn(5, 8)
    conv = GINEConv(_mlp(), eps=0.5)
    assert repr(conv).startswith("GINEConv(nn=Sequential(\n")
    out = conv(x, EDGE_INDEX, e)
    r = F.relu
    agg = torch.stack([r(x[1] + e[1]), r(x[0] + e[0]) + r(x[2] + e[2]) + r(x[3] + e[3]),
                       torch.zeros(8), r(x[0] + e[4])])
    assert torch.allclose(out, conv.nn(1.5 * x + agg), atol=1e-6)

    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=e, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-6)


def test_gine_conv_bipartite():
    torch.manual_seed(1)
    x_src, x_dst, e = torch.randn(4, 8), torch.randn(2, 8), torch.randn(4, 8)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = GINEConv(_mlp(), train_eps=True)
    out = conv((x_src, x_dst), edge_index, e)
    r = F.relu
    agg = torch.stack([r(x_src[0] + e[0]) + r(x_src[1] + e[1]),
                       r(x_src[2] + e[2]) + r(x_src[3] + e[3])])
    assert torch.allclose(out, conv.nn(agg + x_dst), atol=1e-6)
    adj = SparseTensor(row=edge_index[1], col=edge_index[0], value=e, sparse_sizes=(2, 4))
    assert torch.allclose(conv((x_src, x_dst), adj), out, atol=1e-6)


def test_gine_conv_input_errors():
    conv = GINEConv(_mlp())
    x = torch.randn(4, 8)
    with pytest.raises(ValueError, match="edge_attr is required"):
        conv(x, EDGE_INDEX)
    with pytest.raises(ValueError, match="node feature size 8, got 3"):
        conv(x, EDGE_INDEX, torch.randn(5, 3))
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    with pytest.raises(ValueError, match="values"):
        conv(x, adj)


def test_gine_conv_gradcheck():
    torch.manual_seed(2)
    conv = GINEConv(_mlp(3, 2)).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    e = torch.randn(5, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: conv(a, EDGE_INDEX, b), (x, e))


def test_gine_conv_jit():
    x, e = torch.randn(4, 8), torch.randn(5, 8)
    conv = GINEConv(_mlp())
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX, e)
    assert torch.allclose(jit(x, EDGE_INDEX, e), out, atol=1e-6)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=e, sparse_sizes=(4, 4))
    assert torch.allclose(jit(x, adj), out, atol=1e-6)
