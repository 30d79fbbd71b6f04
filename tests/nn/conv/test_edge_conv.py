import torch
from torch.nn import Linear, ReLU, Sequential

from distgnn.nn import DynamicEdgeConv, EdgeConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def test_edge_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    net = Sequential(Linear(6, 8), ReLU(), Linear(8, 5))
    conv = EdgeConv(net)
    assert repr(conv) == ("EdgeConv(nn=Sequential(\n  (0): Linear(in_features=6, "
                          "out_features=8, bias=True)\n  (1): ReLU()\n  (2): Linear("
                          "in_features=8, out_features=5, bias=True)\n))")
    out = conv(x, EDGE_INDEX)

    def h(i, j):
        return net(torch.cat([x[i], x[j] - x[i]]))
    expected = torch.stack([h(0, 1), torch.stack([h(1, 0), h(1, 2), h(1, 3)]).max(0).values,
                            torch.zeros(5), h(3, 0)])
    assert torch.allclose(out, expected, atol=1e-6)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-6)
    add = EdgeConv(net, aggr="add")(x, EDGE_INDEX)
    assert torch.allclose(add[1], h(1, 0) + h(1, 2) + h(1, 3), atol=1e-6)


def test_edge_conv_bipartite_gradcheck_jit():
    torch.manual_seed(1)
    x_src, x_dst = torch.randn(4, 3), torch.randn(2, 3)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = EdgeConv(Linear(6, 4))
    out = conv((x_src, x_dst), edge_index)
    msg = conv.nn(torch.cat([x_dst[edge_index[1]], x_src[edge_index[0]] - x_dst[edge_index[1]]], 1))
    assert torch.allclose(out, torch.stack([msg[:2].max(0).values, msg[2:].max(0).values]))
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4))), out, atol=1e-6)
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit((x_src, x_dst), edge_index), out, atol=1e-6)
    x = torch.randn(4, 3)
    assert torch.allclose(jit((x, x), EDGE_INDEX), conv(x, EDGE_INDEX), atol=1e-6)
    conv = EdgeConv(Linear(4, 2), aggr="mean").double()
    xd = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: conv(a, EDGE_INDEX), (xd,))


def test_dynamic_edge_conv():
    torch.manual_seed(2)
    x = torch.randn(8, 3)
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    net = Linear(6, 4)
    conv = DynamicEdgeConv(net, k=2)
    assert repr(conv) == ("DynamicEdgeConv(nn=Linear(in_features=6, out_features=4, "
                          "bias=True), k=2)")
    out = conv(x, batch)
    expected = []
    for i in range(8):
        d = (x - x[i]).norm(dim=1)
        d[batch != batch[i]] = float("inf")
        nbrs = d.argsort()[:2]  # includes i itself
        msgs = net(torch.cat([x[i].expand(2, 3), x[nbrs] - x[i]], dim=1))
        expected.append(msgs.max(0).values)
    assert torch.allclose(out, torch.stack(expected), atol=1e-6)
    out_pair = conv((x, x), (batch, batch))
    assert torch.allclose(out_pair, out, atol=1e-6)
    conv_mean = DynamicEdgeConv(net, k=3, aggr="mean")
    assert conv_mean(x).shape == (8, 4)


class _Opaque(torch.nn.Module):
    """A network the layer cannot split (generic per-edge path)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


def test_split_path_matches_generic_path():
    torch.manual_seed(3)
    x = torch.randn(6, 4)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 5, 0, 2], [1, 0, 1, 1, 3, 3, 5, 5]])
    net = Sequential(Linear(8, 6), ReLU(), Linear(6, 3))
    for aggr in ("max", "add", "mean"):
        fast, slow = EdgeConv(net, aggr=aggr), EdgeConv(_Opaque(net), aggr=aggr)
        assert torch.allclose(fast(x, edge_index), slow(x, edge_index), atol=1e-5)
        adj = _adj(edge_index, (6, 6))
        assert torch.allclose(fast(x, adj), slow(x, edge_index), atol=1e-5)
    batch = torch.tensor([0, 0, 0, 1, 1, 1])
    fast, slow = DynamicEdgeConv(net, k=2), DynamicEdgeConv(_Opaque(net), k=2)
    assert torch.allclose(fast(x, batch), slow(x, batch), atol=1e-5)
    xd = x.double().requires_grad_()
    conv = EdgeConv(Sequential(Linear(8, 3)), aggr="add").double()
    assert torch.autograd.gradcheck(lambda a: conv(a, edge_index), (xd,))
