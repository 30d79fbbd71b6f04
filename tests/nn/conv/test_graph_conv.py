import torch

from distgnn.nn import GraphConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])
WEIGHT = torch.tensor([0.5, 2.0, -1.0, 3.0, 1.5])


def _adj(edge_index, size, value=None):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value, sparse_sizes=size)


def test_graph_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = GraphConv(8, 16)
    assert repr(conv) == "GraphConv(8, 16)"
    out = conv(x, EDGE_INDEX)
    agg = torch.stack([x[1], x[0] + x[2] + x[3], torch.zeros(8), x[0]])
    assert torch.allclose(out, conv.lin_l(agg) + conv.lin_r(x), atol=1e-6)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-6)

    out_w = conv(x, EDGE_INDEX, WEIGHT)
    w = WEIGHT
    agg = torch.stack([2.0 * x[1], 0.5 * x[0] - x[2] + 3.0 * x[3], torch.zeros(8), 1.5 * x[0]])
    assert torch.allclose(out_w, conv.lin_l(agg) + conv.lin_r(x), atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4), w)), out_w, atol=1e-5)


def test_graph_conv_mean_max():
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    for aggr in ("mean", "max"):
        conv = GraphConv(8, 4, aggr=aggr, bias=False)
        assert conv.lin_l.bias is None
        nbr = torch.stack([x[0], x[2], x[3]])
        mid = nbr.mean(0) if aggr == "mean" else nbr.max(0).values
        agg = torch.stack([x[1], mid, torch.zeros(8), x[0]])
        out = conv(x, EDGE_INDEX)
        assert torch.allclose(out, conv.lin_l(agg) + conv.lin_r(x), atol=1e-6)
        assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-6)


def test_graph_conv_bipartite():
    torch.manual_seed(2)
    x_src, x_dst = torch.randn(4, 8), torch.randn(2, 6)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = GraphConv((8, 6), 16)
    assert repr(conv) == "GraphConv((8, 6), 16)"
    out = conv((x_src, x_dst), edge_index)
    agg = torch.stack([x_src[0] + x_src[1], x_src[2] + x_src[3]])
    assert torch.allclose(out, conv.lin_l(agg) + conv.lin_r(x_dst), atol=1e-6)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4))), out, atol=1e-6)
    out_none = conv((x_src, None), edge_index, size=(4, 2))
    assert torch.allclose(out_none, conv.lin_l(agg), atol=1e-6)


def test_graph_conv_gradcheck():
    conv = GraphConv(3, 2).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    w = WEIGHT.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: conv(a, EDGE_INDEX, b), (x, w))


def test_graph_conv_jit():
    x = torch.randn(4, 8)
    conv = GraphConv(8, 16)
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX, WEIGHT)
    assert torch.allclose(jit(x, EDGE_INDEX, WEIGHT), out, atol=1e-5)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4), WEIGHT)), out, atol=1e-5)
