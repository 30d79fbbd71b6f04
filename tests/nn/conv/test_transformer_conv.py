import math

import pytest
import torch

from distgnn.nn import TransformerConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size, value=None):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value, sparse_sizes=size)


def _reference(conv, x_src, x_dst, edge_index, edge_attr=None):
    H, C = conv.heads, conv.out_channels
    q = conv.lin_query(x_dst).view(-1, H, C)
    k = conv.lin_key(x_src).view(-1, H, C)
    v = conv.lin_value(x_src).view(-1, H, C)
    out = torch.zeros(x_dst.size(0), H, C)
    alphas = {}
    for i in range(x_dst.size(0)):
        ids = [e for e in range(edge_index.size(1)) if edge_index[1, e] == i]
        if not ids:
            continue
        keys, vals = [], []
        for e in ids:
            j = int(edge_index[0, e])
            ee = 0 if edge_attr is None else conv.lin_edge(edge_attr[e]).view(H, C)
            keys.append(k[j] + ee)
            vals.append(v[j] + ee)
        scores = torch.stack([(q[i] * kk).sum(-1) / math.sqrt(C) for kk in keys])
        alpha = scores.softmax(dim=0)
        for n, e in enumerate(ids):
            out[i] += alpha[n].unsqueeze(-1) * vals[n]
            alphas[e] = alpha[n]
    return out, alphas


def test_transformer_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = TransformerConv(8, 16, heads=2)
    assert repr(conv) == "TransformerConv(8, 16, heads=2)"
    out = conv(x, EDGE_INDEX)  # 1.7's forward returns the output only
    ref, _ = _reference(conv, x, x, EDGE_INDEX)
    assert torch.allclose(out, ref.view(4, 32) + conv.lin_skip(x), atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


def test_transformer_conv_edge_dim_beta_mean():
    torch.manual_seed(1)
    x, e = torch.randn(4, 8), torch.randn(5, 3)
    conv = TransformerConv(8, 4, heads=2, concat=False, beta=True, edge_dim=3)
    out = conv(x, EDGE_INDEX, e)
    ref, _ = _reference(conv, x, x, EDGE_INDEX, e)
    m = ref.mean(dim=1)
    skip = conv.lin_skip(x)
    gate = torch.sigmoid(conv.lin_beta(torch.cat([m, skip, m - skip], dim=-1)))
    assert torch.allclose(out, gate * skip + (1 - gate) * m, atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-5)
    with pytest.raises(ValueError, match="edge_attr is required"):
        conv(x, EDGE_INDEX)


def test_transformer_conv_no_root_weight_disables_beta():
    torch.manual_seed(2)
    x = torch.randn(4, 8)
    conv = TransformerConv(8, 4, beta=True, root_weight=False)
    assert conv.lin_skip is None and conv.lin_beta is None and not conv.beta
    ref, _ = _reference(conv, x, x, EDGE_INDEX)
    assert torch.allclose(conv(x, EDGE_INDEX), ref.view(4, 4), atol=1e-5)


def test_transformer_conv_bipartite():
    torch.manual_seed(3)
    x_src, x_dst = torch.randn(4, 8), torch.randn(2, 6)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = TransformerConv((8, 6), 16, heads=2)
    assert repr(conv) == "TransformerConv((8, 6), 16, heads=2)"
    out = conv((x_src, x_dst), edge_index)
    ref, _ = _reference(conv, x_src, x_dst, edge_index)
    assert torch.allclose(out, ref.view(2, 32) + conv.lin_skip(x_dst), atol=1e-5)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4))), out, atol=1e-5)


def test_transformer_conv_gradcheck():
    torch.manual_seed(4)
    conv = TransformerConv(3, 2, heads=2, beta=True, edge_dim=2).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    e = torch.randn(5, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: conv(a, EDGE_INDEX, b), (x, e))


def test_transformer_conv_jit():
    x, e = torch.randn(4, 8), torch.randn(5, 3)
    conv = TransformerConv(8, 16, heads=2, edge_dim=3)
    out = conv(x, EDGE_INDEX, e)
    jit = torch.jit.script(conv.jittable("(Tensor, SparseTensor, OptTensor) -> Tensor"))
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-5)
    jit = torch.jit.script(conv.jittable("(Tensor, Tensor, OptTensor) -> Tensor"))
    assert torch.equal(jit(x, EDGE_INDEX, e), out)


def test_transformer_conv_matches_reference_implementation():
    pyg = pytest.importorskip("torch_geometric.nn")
    torch.manual_seed(5)
    x, e = torch.randn(5, 8), torch.randn(6, 3)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 4], [1, 0, 1, 1, 2, 0]])
    ours = TransformerConv(8, 4, heads=2, beta=True, edge_dim=3)
    theirs = pyg.TransformerConv(8, 4, heads=2, beta=True, edge_dim=3)
    theirs.load_state_dict(ours.state_dict())
    assert torch.allclose(ours(x, edge_index, e), theirs(x, edge_index, e), atol=1e-5)
