import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import GATConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def _reference(h_src, h_dst, att_l, att_r, edges, num_dst, slope=0.2):
    """Per-target softmax over incoming edges, written as plain loops."""
    H, C = h_src.size(1), h_src.size(2)
    out = torch.zeros(num_dst, H, C, dtype=h_src.dtype)
    alphas = {}
    for i in range(num_dst):
        srcs = [j for j, t in edges if t == i]
        if not srcs:
            continue
        scores = torch.stack([F.leaky_relu((h_src[j] * att_l[0]).sum(-1)
                                           + (h_dst[i] * att_r[0]).sum(-1), slope)
                              for j in srcs])  # [deg, H]
        alpha = scores.softmax(dim=0)
        for k, j in enumerate(srcs):
            out[i] += alpha[k].unsqueeze(-1) * h_src[j]
            alphas[(j, i)] = alpha[k]
    return out, alphas


def test_gat_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = GATConv(8, 16, heads=2)
    assert repr(conv) == "GATConv(8, 16, heads=2)"
    torch.nn.init.normal_(conv.bias)
    out = conv(x, EDGE_INDEX)
    assert out.shape == (4, 32)

    h = conv.lin_l(x).view(4, 2, 16)
    edges = [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3)] + [(i, i) for i in range(4)]
    ref, _ = _reference(h, h, conv.att_l, conv.att_r, edges, 4)
    assert torch.allclose(out, ref.view(4, 32) + conv.bias, atol=1e-5)

    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


def test_gat_conv_mean_heads_no_self_loops():
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    conv = GATConv(8, 4, heads=3, concat=False, add_self_loops=False, bias=False,
                   negative_slope=0.1)
    assert conv.bias is None
    out = conv(x, EDGE_INDEX)
    h = conv.lin_l(x).view(4, 3, 4)
    edges = [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3)]
    ref, _ = _reference(h, h, conv.att_l, conv.att_r, edges, 4, slope=0.1)
    assert torch.allclose(out, ref.mean(dim=1), atol=1e-5)
    assert torch.allclose(out[2], torch.zeros(4))  # node 2 receives nothing
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


def test_gat_conv_existing_self_loops_are_replaced():
    torch.manual_seed(2)
    x = torch.randn(3, 4)
    conv = GATConv(4, 2)
    with_loops = torch.tensor([[0, 1, 1, 2], [1, 0, 1, 2]])
    without = torch.tensor([[0, 1], [1, 0]])
    assert torch.allclose(conv(x, with_loops), conv(x, without), atol=1e-6)


def test_gat_conv_attention_weights():
    torch.manual_seed(3)
    x = torch.randn(4, 8)
    conv = GATConv(8, 16, heads=2)
    out, (ei, alpha) = conv(x, EDGE_INDEX, return_attention_weights=True)
    assert torch.allclose(out, conv(x, EDGE_INDEX), atol=1e-6)
    assert ei.size(1) == alpha.size(0) == 5 + 4 and alpha.shape == (9, 2)
    h = conv.lin_l(x).view(4, 2, 16)
    edges = [(int(a), int(b)) for a, b in ei.t()]
    _, ref = _reference(h, h, conv.att_l, conv.att_r, edges, 4)
    for k, e in enumerate(edges):
        assert torch.allclose(alpha[k], ref[e], atol=1e-6)
    # per target, the weights of every head sum to one
    sums = torch.zeros(4, 2).index_add_(0, ei[1], alpha)
    assert torch.allclose(sums, torch.ones(4, 2), atol=1e-6)

    out2, adj = conv(x, _adj(EDGE_INDEX, (4, 4)), return_attention_weights=True)
    assert torch.allclose(out2, out, atol=1e-5)
    assert isinstance(adj, SparseTensor) and adj.nnz() == 9
    row, col, value = adj.coo()
    for r, c, v in zip(row.tolist(), col.tolist(), value):
        assert torch.allclose(v, ref[(c, r)], atol=1e-6)


def test_gat_conv_bipartite():
    torch.manual_seed(4)
    x_src, x_dst = torch.randn(4, 8), torch.randn(2, 6)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = GATConv((8, 6), 16, heads=2, add_self_loops=False)
    assert repr(conv) == "GATConv((8, 6), 16, heads=2)"
    out = conv((x_src, x_dst), edge_index)
    h_s = conv.lin_l(x_src).view(4, 2, 16)
    h_d = conv.lin_r(x_dst).view(2, 2, 16)
    edges = [(0, 0), (1, 0), (2, 1), (3, 1)]
    ref, _ = _reference(h_s, h_d, conv.att_l, conv.att_r, edges, 2)
    assert torch.allclose(out, ref.view(2, 32) + conv.bias, atol=1e-5)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4))), out, atol=1e-5)

    # without target features only the source half of the score is used
    out_none = conv((x_src, None), edge_index, size=(4, 2))
    zero = torch.zeros_like(conv.att_r)
    ref, _ = _reference(h_s, h_d, conv.att_l, zero, edges, 2)
    assert torch.allclose(out_none, ref.view(2, 32) + conv.bias, atol=1e-5)


def test_gat_conv_dropout_only_in_training():
    x = torch.randn(4, 8)
    conv = GATConv(8, 4, dropout=0.5)
    conv.eval()
    assert torch.allclose(conv(x, EDGE_INDEX), conv(x, EDGE_INDEX))
    conv.train()
    torch.manual_seed(0)
    a = conv(x, EDGE_INDEX)
    torch.manual_seed(1)
    b = conv(x, EDGE_INDEX)
    assert not torch.allclose(a, b)


def test_gat_conv_gradcheck():
    torch.manual_seed(5)
    conv = GATConv(3, 2, heads=2).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: conv(t, EDGE_INDEX), (x,))


def test_gat_conv_bad_heads():
    with pytest.raises(ValueError, match="heads"):
        GATConv(4, 4, heads=0)


def test_gat_conv_jit():
    torch.manual_seed(6)
    x = torch.randn(4, 8)
    conv = GATConv(8, 16, heads=2)
    adj = _adj(EDGE_INDEX, (4, 4))
    out = conv(x, EDGE_INDEX)

    jit = torch.jit.script(conv.jittable("(Tensor, SparseTensor, Size, NoneType) -> Tensor"))
    assert torch.allclose(jit(x, adj), out, atol=1e-5)

    t = "(Tensor, Tensor, Size, bool) -> Tuple[Tensor, Tuple[Tensor, Tensor]]"
    jit = torch.jit.script(conv.jittable(t))
    res, (ei, alpha) = jit(x, EDGE_INDEX, None, True)
    ref, (ei_ref, alpha_ref) = conv(x, EDGE_INDEX, return_attention_weights=True)
    assert torch.allclose(res, ref, atol=1e-5) and torch.equal(ei, ei_ref)
    assert torch.allclose(alpha, alpha_ref, atol=1e-6)

    x_dst = torch.randn(2, 8)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = GATConv(8, 4, add_self_loops=False)
    t = "(OptPairTensor, Tensor, Size, NoneType) -> Tensor"
    jit = torch.jit.script(conv.jittable(t))
    assert torch.allclose(jit((x, x_dst), edge_index, (4, 2)),
                          conv((x, x_dst), edge_index, (4, 2)), atol=1e-5)


def test_gat_conv_matches_reference_implementation():
    pyg = pytest.importorskip("torch_geometric.nn")
    torch.manual_seed(7)
    x = torch.randn(5, 8)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 4], [1, 0, 1, 1, 2, 0]])
    ours = GATConv(8, 4, heads=3)
    theirs = pyg.GATConv(8, 4, heads=3)
    with torch.no_grad():
        theirs.lin.weight.copy_(ours.lin_l.weight)
        theirs.att_src.copy_(ours.att_l)
        theirs.att_dst.copy_(ours.att_r)
        theirs.bias.copy_(torch.randn(12))
        ours.bias.copy_(theirs.bias)
    assert torch.allclose(ours(x, edge_index), theirs(x, edge_index), atol=1e-5)
