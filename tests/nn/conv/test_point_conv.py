import pytest
import torch
from torch.nn import Linear, ReLU, Sequential

from distgnn.nn import PointConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 1], [1, 0, 1, 1, 3, 1]])  # (1, 1) is a loop


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def test_point_conv_formula_by_hand():
    torch.manual_seed(0)
    x, pos = torch.randn(4, 3), torch.randn(4, 2)
    local_nn = Sequential(Linear(5, 8), ReLU(), Linear(8, 6))
    global_nn = Linear(6, 4)
    conv = PointConv(local_nn, global_nn)
    assert repr(conv).startswith("PointConv(local_nn=Sequential(") and "global_nn=Linear(" \
        in repr(conv)
    out = conv(x, pos, EDGE_INDEX)

    def h(i, j):
        return local_nn(torch.cat([x[j], pos[j] - pos[i]]))
    nbrs = {0: [1, 0], 1: [0, 2, 3, 1], 2: [2], 3: [0, 3]}  # one self-loop each
    agg = torch.stack([torch.stack([h(i, j) for j in nbrs[i]]).max(0).values for i in range(4)])
    assert torch.allclose(out, global_nn(agg), atol=1e-6)
    assert torch.allclose(conv(x, pos, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-6)

    plain = PointConv(add_self_loops=False)
    assert repr(plain) == "PointConv(local_nn=None, global_nn=None)"
    out = plain(None, pos, EDGE_INDEX)
    assert torch.allclose(out[2], torch.zeros(2))
    assert torch.allclose(out[3], pos[0] - pos[3])


def test_point_conv_bipartite_gradcheck():
    torch.manual_seed(1)
    x_src, pos_src, pos_dst = torch.randn(4, 3), torch.randn(4, 2), torch.randn(2, 2)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = PointConv(Linear(5, 4), add_self_loops=False)
    out = conv((x_src, None), (pos_src, pos_dst), edge_index)
    msg = conv.local_nn(torch.cat([x_src, pos_src - pos_dst[edge_index[1]]], 1))
    assert torch.allclose(out, torch.stack([msg[:2].max(0).values, msg[2:].max(0).values]))

    conv = PointConv(Linear(5, 4)).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    pos = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, p: conv(a, p, EDGE_INDEX), (x, pos))



def test_point_conv_jit():
    conv = PointConv(Linear(5, 4))
    x, pos = torch.randn(4, 3), torch.randn(4, 2)
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, pos, EDGE_INDEX), conv(x, pos, EDGE_INDEX), atol=1e-6)
    assert torch.allclose(jit(x, pos, _adj(EDGE_INDEX, (4, 4))), conv(x, pos, EDGE_INDEX),
                          atol=1e-6)


class _Opaque(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


def test_point_conv_split_path_matches_generic_path():
    torch.manual_seed(5)
    x, pos = torch.randn(4, 3), torch.randn(4, 2)
    cases = ((x, Sequential(Linear(5, 6), ReLU(), Linear(6, 4))),
             (None, Sequential(Linear(2, 4), ReLU())))
    for x_in, net in cases:
        global_nn = Linear(4, 3)
        fast, slow = PointConv(net, global_nn), PointConv(_Opaque(net), global_nn)
        expected = slow(x_in, pos, EDGE_INDEX)
        assert torch.allclose(fast(x_in, pos, EDGE_INDEX), expected, atol=1e-5)
        assert torch.allclose(fast(x_in, pos, _adj(EDGE_INDEX, (4, 4))), expected, atol=1e-5)
