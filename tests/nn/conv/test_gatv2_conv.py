import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import GATv2Conv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def _reference(h_src, h_dst, att, edges, num_dst, slope=0.2):
    out = torch.zeros(num_dst, h_src.size(1), h_src.size(2))
    alphas = {}
    for i in range(num_dst):
        srcs = [j for j, t in edges if t == i]
        if not srcs:
            continue
        scores = torch.stack([(F.leaky_relu(h_dst[i] + h_src[j], slope) * att[0]).sum(-1)
                              for j in srcs])
        alpha = scores.softmax(dim=0)
        for k, j in enumerate(srcs):
            out[i] += alpha[k].unsqueeze(-1) * h_src[j]
            alphas[(j, i)] = alpha[k]
    return out, alphas


def test_gatv2_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = GATv2Conv(8, 16, heads=2)
    assert repr(conv) == "GATv2Conv(8, 16, heads=2)"
    torch.nn.init.normal_(conv.bias)
    out = conv(x, EDGE_INDEX)
    h_l, h_r = conv.lin_l(x).view(4, 2, 16), conv.lin_r(x).view(4, 2, 16)
    edges = [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3)] + [(i, i) for i in range(4)]
    ref, alphas = _reference(h_l, h_r, conv.att, edges, 4)
    assert torch.allclose(out, ref.view(4, 32) + conv.bias, atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)

    out2, (ei, alpha) = conv(x, EDGE_INDEX, return_attention_weights=True)
    assert torch.allclose(out2, out, atol=1e-6) and alpha.shape == (9, 2)
    for k, (a, b) in enumerate(ei.t().tolist()):
        assert torch.allclose(alpha[k], alphas[(a, b)], atol=1e-6)
    out3, adj = conv(x, _adj(EDGE_INDEX, (4, 4)), return_attention_weights=True)
    row, col, value = adj.coo()
    for r, c, v in zip(row.tolist(), col.tolist(), value):
        assert torch.allclose(v, alphas[(c, r)], atol=1e-6)


def test_gatv2_conv_options():
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    conv = GATv2Conv(8, 4, heads=3, concat=False, add_self_loops=False, bias=False,
                     share_weights=True, negative_slope=0.1)
    assert conv.lin_l is conv.lin_r and conv.bias is None
    out = conv(x, EDGE_INDEX)
    h = conv.lin_l(x).view(4, 3, 4)
    edges = [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3)]
    ref, _ = _reference(h, h, conv.att, edges, 4, slope=0.1)
    assert torch.allclose(out, ref.mean(dim=1), atol=1e-5)


def test_gatv2_conv_bipartite():
    torch.manual_seed(2)
    x_src, x_dst = torch.randn(4, 8), torch.randn(2, 8)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = GATv2Conv(8, 16, heads=2, add_self_loops=False)
    out = conv((x_src, x_dst), edge_index)
    ref, _ = _reference(conv.lin_l(x_src).view(4, 2, 16), conv.lin_r(x_dst).view(2, 2, 16),
                        conv.att, [(0, 0), (1, 0), (2, 1), (3, 1)], 2)
    assert torch.allclose(out, ref.view(2, 32) + conv.bias, atol=1e-5)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4))), out, atol=1e-5)


def test_gatv2_conv_gradcheck():
    torch.manual_seed(3)
    conv = GATv2Conv(3, 2, heads=2).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: conv(t, EDGE_INDEX), (x,))


def test_gatv2_conv_errors():
    with pytest.raises(ValueError, match="heads"):
        GATv2Conv(4, 4, heads=-1)
    with pytest.raises(ValueError, match="share_weights"):
        GATv2Conv((4, 5), 4, share_weights=True)


def test_gatv2_conv_jit():
    x = torch.randn(4, 8)
    conv = GATv2Conv(8, 16, heads=2)
    out = conv(x, EDGE_INDEX)
    jit = torch.jit.script(conv.jittable("(Tensor, SparseTensor, Size, NoneType) -> Tensor"))
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)
    t = "(Tensor, Tensor, Size, bool) -> Tuple[Tensor, Tuple[Tensor, Tensor]]"
    jit = torch.jit.script(conv.jittable(t))
    res, (_, alpha) = jit(x, EDGE_INDEX, None, True)
    assert torch.allclose(res, out, atol=1e-5) and alpha.shape == (9, 2)


def test_gatv2_conv_matches_reference_implementation():
    pyg = pytest.importorskip("torch_geometric.nn")
    torch.manual_seed(4)
    x = torch.randn(5, 8)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 4], [1, 0, 1, 1, 2, 0]])
    ours, theirs = GATv2Conv(8, 4, heads=3), pyg.GATv2Conv(8, 4, heads=3)
    with torch.no_grad():
        for a, b in ((theirs.lin_l, ours.lin_l), (theirs.lin_r, ours.lin_r)):
            a.weight.copy_(b.weight)
            a.bias.copy_(torch.randn(12))
            b.bias.copy_(a.bias)
        theirs.att.copy_(ours.att)
        theirs.bias.copy_(ours.bias)
    assert torch.allclose(ours(x, edge_index), theirs(x, edge_index), atol=1e-5)
