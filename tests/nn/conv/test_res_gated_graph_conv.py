import pytest
import torch

from distgnn.nn.conv import ResGatedGraphConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 2, 3]])


def reference(conv, x_src, x_dst, edge_index):
    out = conv.lin_skip(x_dst) + conv.bias
    for j, i in edge_index.t().tolist():
        eta = torch.sigmoid(conv.lin_key(x_dst[i]) + conv.lin_query(x_src[j]))
        out[i] = out[i] + eta * conv.lin_value(x_src[j])
    return out


def test_res_gated_graph_conv_formula():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = ResGatedGraphConv(3, 5)
    torch.nn.init.normal_(conv.bias)
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out, reference(conv, x, x, EDGE_INDEX), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)
    assert repr(conv) == "ResGatedGraphConv(3, 5)"


def test_res_gated_graph_conv_bipartite_and_options():
    torch.manual_seed(1)
    x_src, x_dst = torch.randn(4, 3), torch.randn(2, 6)
    ei = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = ResGatedGraphConv((3, 6), 4)
    out = conv((x_src, x_dst), ei)
    assert torch.allclose(out, reference(conv, x_src, x_dst, ei), atol=1e-5)
    adj = SparseTensor(row=ei[1], col=ei[0], sparse_sizes=(2, 4))
    assert torch.allclose(conv((x_src, x_dst), adj), out, atol=1e-5)
    conv = ResGatedGraphConv(3, 4, act=None, root_weight=False, bias=False)
    assert conv.lin_skip is None and conv.bias is None
    ref = torch.zeros(4, 4)
    for j, i in EDGE_INDEX.t().tolist():
        ref[i] += (conv.lin_key(x_src[i]) + conv.lin_query(x_src[j])) * conv.lin_value(x_src[j])
    assert torch.allclose(conv(x_src, EDGE_INDEX), ref, atol=1e-5)


def test_res_gated_graph_conv_grad_jit():
    conv = ResGatedGraphConv(2, 2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX), conv(x, EDGE_INDEX))
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(jit(x, adj), conv(x, EDGE_INDEX))


def test_res_gated_graph_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv = ResGatedGraphConv(3, 5)
    ref = pyg.ResGatedGraphConv(3, 5)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, EDGE_INDEX), ref(x, EDGE_INDEX), atol=1e-5)
