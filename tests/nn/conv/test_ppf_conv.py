import math

import pytest
import torch
from torch.nn import Linear

from distgnn.nn import PPFConv
from distgnn.nn.conv.ppf_conv import point_pair_features
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def test_point_pair_features_by_hand():
    pos_i, pos_j = torch.tensor([[0., 0., 0.]]), torch.tensor([[2., 0., 0.]])
    n_i, n_j = torch.tensor([[0., 0., 1.]]), torch.tensor([[1., 0., 0.]])
    ppf = point_pair_features(pos_i, pos_j, n_i, n_j)
    assert torch.allclose(ppf, torch.tensor([[2.0, math.pi / 2, 0.0, math.pi / 2]]))


def test_ppf_conv_formula_by_hand():
    torch.manual_seed(0)
    x, pos = torch.randn(4, 3), torch.randn(4, 3)
    normal = torch.nn.functional.normalize(torch.randn(4, 3), dim=1)
    local_nn, global_nn = Linear(3 + 4, 8), Linear(8, 5)
    conv = PPFConv(local_nn, global_nn)
    assert repr(conv) == ("PPFConv(local_nn=Linear(in_features=7, out_features=8, bias=True), "
                          "global_nn=Linear(in_features=8, out_features=5, bias=True))")
    out = conv(x, pos, normal, EDGE_INDEX)

    def h(i, j):
        d = pos[j] - pos[i]

        def ang(a, b):
            return torch.atan2(torch.linalg.cross(a, b).norm(), a @ b)
        f = torch.stack([d.norm(), ang(normal[i], d), ang(normal[j], d),
                         ang(normal[i], normal[j])])
        return local_nn(torch.cat([x[j], f]))
    nbrs = {0: [1, 0], 1: [0, 2, 3, 1], 2: [2], 3: [0, 3]}
    agg = torch.stack([torch.stack([h(i, j) for j in nbrs[i]]).max(0).values for i in range(4)])
    assert torch.allclose(out, global_nn(agg), atol=1e-5)
    assert torch.allclose(conv(x, pos, normal, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


def test_ppf_conv_no_features_bipartite_gradcheck():
    torch.manual_seed(1)
    pos_src, pos_dst = torch.randn(4, 3), torch.randn(2, 3)
    n_src, n_dst = torch.randn(4, 3), torch.randn(2, 3)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = PPFConv(add_self_loops=False)
    out = conv(None, (pos_src, pos_dst), (n_src, n_dst), edge_index)
    ppf = point_pair_features(pos_dst[edge_index[1]], pos_src, n_dst[edge_index[1]], n_src)
    assert torch.allclose(out, torch.stack([ppf[:2].max(0).values, ppf[2:].max(0).values]))

    conv = PPFConv(Linear(6, 3)).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    pos = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    nrm = torch.randn(4, 3, dtype=torch.double)
    # self-loop features (zero displacement) have no derivative w.r.t. pos; check x
    assert torch.autograd.gradcheck(lambda a: conv(a, pos.detach(), nrm, EDGE_INDEX), (x,))


def test_ppf_conv_bad_dim():
    with pytest.raises(ValueError, match="3-D"):
        PPFConv()(None, torch.randn(4, 2), torch.randn(4, 2), EDGE_INDEX)


def test_ppf_conv_jit():
    conv = PPFConv(Linear(7, 4))
    x, pos, nrm = torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 3)
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, pos, nrm, EDGE_INDEX), conv(x, pos, nrm, EDGE_INDEX), atol=1e-6)


class _Opaque(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


def test_ppf_conv_split_path_matches_generic_path():
    torch.manual_seed(5)
    x, pos, nrm = torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 3)
    net = torch.nn.Sequential(Linear(7, 6), torch.nn.ReLU(), Linear(6, 4))
    fast, slow = PPFConv(net), PPFConv(_Opaque(net))
    assert torch.allclose(fast(x, pos, nrm, EDGE_INDEX), slow(x, pos, nrm, EDGE_INDEX),
                          atol=1e-5)
    assert torch.allclose(fast(x, pos, nrm, _adj(EDGE_INDEX, (4, 4))),
                          slow(x, pos, nrm, EDGE_INDEX), atol=1e-5)
