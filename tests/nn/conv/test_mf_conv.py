import pytest
import torch

from distgnn.nn.conv import MFConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 2, 3]])


def reference(conv, x_src, x_dst, edge_index):
    n = x_dst.size(0)
    out = []
    for i in range(n):
        nbrs = edge_index[0][edge_index[1] == i]
        d = min(nbrs.numel(), conv.max_degree)
        h = x_src[nbrs].sum(0)
        out.append(conv.lins_l[d](h) + conv.lins_r[d](x_dst[i]))
    return torch.stack(out)


def test_mf_conv_formula_and_sparse():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = MFConv(3, 5, max_degree=2)
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out, reference(conv, x, x, EDGE_INDEX), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)
    assert repr(conv) == "MFConv(3, 5)"


def test_mf_conv_bipartite():
    torch.manual_seed(1)
    x_src, x_dst = torch.randn(4, 3), torch.randn(3, 6)
    ei = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 0]])
    conv = MFConv((3, 6), 4)
    out = conv((x_src, x_dst), ei)
    assert torch.allclose(out, reference(conv, x_src, x_dst, ei), atol=1e-5)
    adj = SparseTensor(row=ei[1], col=ei[0], sparse_sizes=(3, 4))
    assert torch.allclose(conv((x_src, x_dst), adj), out, atol=1e-5)
    assert conv((x_src, None), ei, size=(4, 3)).shape == (3, 4)


def test_mf_conv_grad_jit():
    conv = MFConv(2, 2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX), conv(x, EDGE_INDEX))
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(jit(x, adj), conv(x, EDGE_INDEX))


def test_mf_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv = MFConv(3, 5, max_degree=2)
    ref = pyg.MFConv(3, 5, max_degree=2)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, EDGE_INDEX), ref(x, EDGE_INDEX), atol=1e-5)
