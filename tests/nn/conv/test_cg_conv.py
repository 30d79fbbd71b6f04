import pytest
import torch
import torch.nn.functional as F

from distgnn.nn.conv import CGConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 2, 3]])


def reference(conv, x_src, x_dst, edge_index, edge_attr):
    out = x_dst.clone()
    for e, (j, i) in enumerate(edge_index.t().tolist()):
        parts = [x_dst[i], x_src[j]] + ([edge_attr[e]] if edge_attr is not None else [])
        z = torch.cat(parts)
        out[i] = out[i] + torch.sigmoid(conv.lin_f(z)) * F.softplus(conv.lin_s(z))
    return out


def test_cg_conv_formula_and_sparse():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = CGConv(3)
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out, reference(conv, x, x, EDGE_INDEX, None), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)
    assert repr(conv) == "CGConv(3, dim=0)"


def test_cg_conv_edge_attr_bipartite():
    torch.manual_seed(1)
    x_src, x_dst = torch.randn(4, 3), torch.randn(2, 5)
    ei = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    ea = torch.randn(4, 2)
    conv = CGConv((3, 5), dim=2, aggr="mean")
    out = conv((x_src, x_dst), ei, ea)
    ref = reference(conv, x_src, x_dst, ei, ea)
    ref = x_dst + (ref - x_dst) / 2  # two neighbours each: mean
    assert torch.allclose(out, ref, atol=1e-5)
    adj = SparseTensor(row=ei[1], col=ei[0], value=ea, sparse_sizes=(2, 4))
    assert torch.allclose(conv((x_src, x_dst), adj), out, atol=1e-5)
    with pytest.raises(ValueError, match="edge_attr"):
        conv((x_src, x_dst), ei)
    conv = CGConv(3, batch_norm=True, bias=False).eval()
    assert conv(torch.randn(4, 3), EDGE_INDEX).shape == (4, 3)


def test_cg_conv_grad_jit():
    conv = CGConv(2, dim=1).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    ea = torch.randn(6, 1, dtype=torch.double)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX, ea), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, ea), conv(x, EDGE_INDEX, ea))


def test_cg_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x, ea = torch.randn(4, 3), torch.randn(6, 2)
    conv = CGConv(3, dim=2)
    ref = pyg.CGConv(3, dim=2)
    # 1.7 (and distgnn) register the batch norm always, 2.x only with batch_norm=True
    ref.load_state_dict({k: v for k, v in conv.state_dict().items()
                         if not k.startswith("bn.")})
    assert torch.allclose(conv(x, EDGE_INDEX, ea), ref(x, EDGE_INDEX, ea), atol=1e-5)
