import pytest
import torch

from distgnn.nn.conv import SignedConv
from distgnn.typing import SparseTensor

POS = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 2]])
NEG = torch.tensor([[2, 3, 1, 0], [0, 0, 3, 3]])


def mean_agg(x, edge_index, n):
    out = torch.zeros(n, x.size(1))
    for i in range(n):
        nbrs = edge_index[0][edge_index[1] == i]
        if nbrs.numel() > 0:
            out[i] = x[nbrs].mean(0)
    return out


def test_signed_conv_first_aggr():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = SignedConv(3, 5, first_aggr=True)
    out = conv(x, POS, NEG)
    pos = conv.lin_pos_l(mean_agg(x, POS, 4)) + conv.lin_pos_r(x)
    neg = conv.lin_neg_l(mean_agg(x, NEG, 4)) + conv.lin_neg_r(x)
    assert torch.allclose(out, torch.cat([pos, neg], -1), atol=1e-5)
    assert repr(conv) == "SignedConv(3, 5, first_aggr=True)"


def test_signed_conv_second_aggr_and_sparse():
    torch.manual_seed(1)
    x = torch.randn(4, 6)
    xp, xn = x[:, :3], x[:, 3:]
    conv = SignedConv(3, 5, first_aggr=False)
    out = conv(x, POS, NEG)
    pos = conv.lin_pos_l(torch.cat([mean_agg(xp, POS, 4), mean_agg(xn, NEG, 4)], -1))
    pos = pos + conv.lin_pos_r(xp)
    neg = conv.lin_neg_l(torch.cat([mean_agg(xn, POS, 4), mean_agg(xp, NEG, 4)], -1))
    neg = neg + conv.lin_neg_r(xn)
    assert torch.allclose(out, torch.cat([pos, neg], -1), atol=1e-5)
    adj_p = SparseTensor(row=POS[1], col=POS[0], sparse_sizes=(4, 4))
    adj_n = SparseTensor(row=NEG[1], col=NEG[0], sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj_p, adj_n), out, atol=1e-5)
    with pytest.raises(ValueError, match="2 \\* in_channels"):
        conv(torch.randn(4, 3), POS, NEG)


def test_signed_conv_bipartite_grad_jit():
    conv = SignedConv(2, 3, first_aggr=True).double()
    x_src = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    x_dst = torch.randn(4, 2, dtype=torch.double)
    assert torch.autograd.gradcheck(lambda x: conv((x, x_dst), POS, NEG), (x_src,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x_src, POS, NEG), conv(x_src, POS, NEG))


def test_signed_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 6)
    conv = SignedConv(3, 5, first_aggr=False)
    ref = pyg.SignedConv(3, 5, first_aggr=False)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, POS, NEG), ref(x, POS, NEG), atol=1e-5)
