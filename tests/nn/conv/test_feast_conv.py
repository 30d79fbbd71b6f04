import pytest
import torch

from distgnn.nn import FeaStConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def test_feast_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = FeaStConv(3, 4, heads=2)
    assert repr(conv) == "FeaStConv(3, 4, heads=2)"
    out = conv(x, EDGE_INDEX)
    w = conv.weight.view(3, 2, 4)

    def msg(i, j):
        q = torch.softmax((x[j] - x[i]) @ conv.u + conv.c, dim=0)  # over the heads
        return sum(q[h] * (x[j] @ w[:, h]) for h in range(2))
    nbrs = {0: [1, 0], 1: [0, 2, 3, 1], 2: [2], 3: [0, 3]}  # self-loops added
    agg = torch.stack([torch.stack([msg(i, j) for j in nbrs[i]]).mean(0) for i in range(4)])
    assert torch.allclose(out, agg + conv.bias, atol=1e-6)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-6)


def test_feast_conv_no_loops_bipartite_gradcheck():
    torch.manual_seed(1)
    conv = FeaStConv(3, 2, heads=3, add_self_loops=False, bias=False)
    assert conv.bias is None
    x_src, x_dst = torch.randn(4, 3), torch.randn(2, 3)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    out = conv((x_src, x_dst), edge_index)
    xi = x_dst[edge_index[1]]
    q = torch.softmax((x_src - xi) @ conv.u + conv.c, dim=1)
    m = ((x_src @ conv.weight).view(4, 3, 2) * q.unsqueeze(-1)).sum(1)
    assert torch.allclose(out, torch.stack([m[:2].mean(0), m[2:].mean(0)]), atol=1e-6)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4))), out, atol=1e-6)
    conv = FeaStConv(2, 3, heads=2).double()
    xd = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: conv(a, EDGE_INDEX), (xd,))


def test_feast_conv_matches_torch_geometric():
    G = pytest.importorskip("torch_geometric.nn")
    torch.manual_seed(2)
    x = torch.randn(4, 3)
    conv = FeaStConv(3, 4, heads=2)
    ref = G.FeaStConv(3, 4, heads=2)
    with torch.no_grad():
        ref.lin.weight.copy_(conv.weight.t())
        ref.u.weight.copy_(conv.u.t())
        ref.c.copy_(conv.c)
        ref.bias.copy_(conv.bias)
    assert torch.allclose(conv(x, EDGE_INDEX), ref(x, EDGE_INDEX), atol=1e-5)


def test_feast_conv_jit():
    conv = FeaStConv(3, 4, heads=2)
    x = torch.randn(4, 3)
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX), conv(x, EDGE_INDEX), atol=1e-6)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4))), conv(x, EDGE_INDEX), atol=1e-6)
