import pytest
import torch

from distgnn.nn import GravNetConv


def _expected(conv, x_src, x_dst, b_src, b_dst):
    h, s_l, s_r = conv.lin_h(x_src), conv.lin_s(x_src), conv.lin_s(x_dst)
    rows = []
    for i in range(x_dst.size(0)):
        d2 = (s_l - s_r[i]).pow(2).sum(-1)
        d2_masked = d2.masked_fill(b_src != b_dst[i], float("inf"))
        nbrs = d2_masked.argsort()[:conv.k]
        msg = h[nbrs] * torch.exp(-10.0 * d2[nbrs]).unsqueeze(1)
        rows.append(torch.cat([msg.mean(0), msg.max(0).values, x_dst[i]]))
    return conv.lin(torch.stack(rows))


def test_gravnet_conv_by_hand():
    torch.manual_seed(0)
    x = torch.randn(8, 4)
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    conv = GravNetConv(4, 5, space_dimensions=2, propagate_dimensions=3, k=3)
    assert repr(conv) == "GravNetConv(4, 5, k=3)"
    out = conv(x, batch)
    assert torch.allclose(out, _expected(conv, x, x, batch, batch), atol=1e-5)
    out_nb = conv(x)
    assert torch.allclose(out_nb, _expected(conv, x, x, torch.zeros(8), torch.zeros(8)),
                          atol=1e-5)


def test_gravnet_conv_bipartite_and_grad():
    torch.manual_seed(1)
    x_src, x_dst = torch.randn(6, 4), torch.randn(3, 4)
    b_src, b_dst = torch.tensor([0, 0, 0, 1, 1, 1]), torch.tensor([0, 1, 1])
    conv = GravNetConv(4, 2, space_dimensions=3, propagate_dimensions=2, k=2)
    out = conv((x_src, x_dst), (b_src, b_dst))
    assert torch.allclose(out, _expected(conv, x_src, x_dst, b_src, b_dst), atol=1e-5)
    conv = conv.double()
    x = torch.randn(6, 4, dtype=torch.double, requires_grad=True)
    # the kNN graph is piecewise constant in x: gradcheck within one piece
    assert torch.autograd.gradcheck(lambda a: conv(a), (x,))


def test_gravnet_conv_bad_k():
    with pytest.raises(ValueError, match="k must be"):
        GravNetConv(4, 2, 2, 2, k=0)
