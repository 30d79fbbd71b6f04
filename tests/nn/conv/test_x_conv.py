import pytest
import torch

from distgnn.nn import XConv


def _expected(conv, x, pos, batch):
    n, k = pos.size(0), conv.kernel_size
    outs = []
    for i in range(n):
        d = (pos - pos[i]).norm(dim=1).masked_fill(batch != batch[i], float("inf"))
        nbrs = d.argsort()[:k]  # closest first, the point itself included
        rel = pos[nbrs] - pos[i]  # [K, D]
        lifted = conv.mlp1(rel).view(k, -1)
        feats = torch.cat([lifted, x[nbrs]], dim=-1).t()  # [C, K]
        transform = conv.mlp2(rel.view(1, -1)).view(k, k)
        outs.append(conv.conv((feats @ transform).unsqueeze(0)).squeeze(0))
    return torch.stack(outs)


def test_x_conv_by_hand():
    torch.manual_seed(0)
    pos = torch.randn(10, 3)
    x = torch.randn(10, 8)
    batch = torch.tensor([0] * 5 + [1] * 5)
    conv = XConv(8, 16, dim=3, kernel_size=3)
    assert repr(conv) == "XConv(8, 16)"
    assert conv.hidden_channels == 2
    conv.eval()  # batch norm with running statistics: rows are independent
    out = conv(x, pos, batch)
    assert out.shape == (10, 16)
    assert torch.allclose(out, _expected(conv, x, pos, batch), atol=1e-5)


def test_x_conv_train_dilation_no_features():
    torch.manual_seed(1)
    pos = torch.randn(12, 2)
    conv = XConv(0, 4, dim=2, kernel_size=3, hidden_channels=4, dilation=2, bias=False)
    out = conv(None, pos)
    assert out.shape == (12, 4)
    out.sum().backward()
    assert conv.mlp1[0].weight.grad is not None


def test_x_conv_bad_input():
    with pytest.raises(ValueError, match="hidden_channels"):
        XConv(2, 4, dim=3, kernel_size=3)
    conv = XConv(8, 4, dim=3, kernel_size=4)
    with pytest.raises(ValueError, match="at least"):
        conv(torch.randn(3, 8), torch.randn(3, 3))
    with pytest.raises(ValueError, match="3-dimensional"):
        conv(torch.randn(5, 8), torch.randn(5, 2))
