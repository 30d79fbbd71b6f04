import math

import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import SuperGATConv

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 1], [1, 0, 1, 1, 3, 2]])
LOOPED = [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3), (1, 2)] + [(i, i) for i in range(4)]


def _score(conv, h, i, j):
    dot = (h[i] * h[j]).sum(-1)
    if conv.attention_type == "MX":
        e = ((h[j] * conv.att_l[0]).sum(-1) + (h[i] * conv.att_r[0]).sum(-1)) * dot.sigmoid()
    else:
        e = dot / math.sqrt(conv.out_channels)
    return F.leaky_relu(e, conv.negative_slope)


def _reference(conv, x, edges, n):
    H, C = conv.heads, conv.out_channels
    h = (x @ conv.weight).view(n, H, C)
    out = torch.zeros(n, H, C)
    for i in range(n):
        srcs = [j for j, t in edges if t == i]
        alpha = torch.stack([_score(conv, h, i, j) for j in srcs]).softmax(dim=0)
        for k, j in enumerate(srcs):
            out[i] += alpha[k].unsqueeze(-1) * h[j]
    return out, h


@pytest.mark.parametrize("attention_type", ["MX", "SD"])
def test_super_gat_conv_formula_by_hand(attention_type):
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = SuperGATConv(8, 16, heads=2, attention_type=attention_type)
    assert repr(conv) == f"SuperGATConv(8, 16, heads=2, type={attention_type})"
    assert (conv.att_l is None) == (attention_type == "SD")
    conv.eval()
    out = conv(x, EDGE_INDEX)
    ref, _ = _reference(conv, x, LOOPED, 4)
    assert torch.allclose(out, ref.view(4, 32) + conv.bias, atol=1e-5)
    assert conv.get_attention_loss().item() == 0

    conv2 = SuperGATConv(8, 4, heads=3, concat=False, attention_type=attention_type).eval()
    ref, _ = _reference(conv2, x, LOOPED, 4)
    assert torch.allclose(conv2(x, EDGE_INDEX), ref.mean(1) + conv2.bias, atol=1e-5)


@pytest.mark.parametrize("attention_type", ["MX", "SD"])
def test_super_gat_conv_attention_loss(attention_type):
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    conv = SuperGATConv(8, 4, heads=2, attention_type=attention_type)
    neg = torch.tensor([[2, 3], [0, 2]])
    out = conv(x, EDGE_INDEX, neg_edge_index=neg)
    ref, h = _reference(conv, x, LOOPED, 4)
    assert torch.allclose(out, ref.view(4, 8) + conv.bias, atol=1e-5)

    # positives: every edge after self-loop insertion, in the layer's order
    scale = 1.0 if attention_type == "MX" else math.sqrt(4)
    pos = [(h[i] * h[j]).sum(-1) / scale for j, i in
           [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3), (1, 2)] + [(k, k) for k in range(4)]]
    negs = [(h[0] * h[2]).sum(-1) / scale, (h[2] * h[3]).sum(-1) / scale]
    logits = torch.stack(pos + negs).mean(dim=-1)
    labels = torch.tensor([1.0] * 10 + [0.0] * 2)
    assert torch.allclose(conv.att_y, labels)
    expected = F.binary_cross_entropy_with_logits(logits, labels)
    loss = conv.get_attention_loss()
    assert torch.allclose(loss, expected, atol=1e-6)
    loss.backward()
    assert conv.weight.grad is not None


def test_super_gat_conv_negative_sampling():
    torch.manual_seed(2)
    x = torch.randn(6, 8)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 0]])
    conv = SuperGATConv(8, 4, neg_sample_ratio=1.0, edge_sample_ratio=0.5)
    conv(x, edge_index)
    num_edges = 6 + 6  # with self-loops
    assert conv.att_x.size(1) == 1 and conv.att_x.size(0) == conv.att_y.size(0)
    num_neg = int((conv.att_y == 0).sum())
    assert 0 < num_neg <= int(1.0 * 0.5 * num_edges)
    assert int(conv.att_y.sum()) <= num_edges
    assert torch.isfinite(conv.get_attention_loss())

    batch = torch.tensor([0, 0, 0, 1, 1, 1])
    two = torch.tensor([[0, 1, 3, 4], [1, 2, 4, 5]])
    conv(x, two, batch=batch)
    assert torch.isfinite(conv.get_attention_loss())


def test_super_gat_conv_input_errors():
    with pytest.raises(ValueError, match="attention_type"):
        SuperGATConv(4, 4, attention_type="XX")
    with pytest.raises(ValueError, match="edge_sample_ratio"):
        SuperGATConv(4, 4, edge_sample_ratio=0.0)
    with pytest.raises(ValueError, match="neg_sample_ratio"):
        SuperGATConv(4, 4, neg_sample_ratio=0.0)
    with pytest.raises(RuntimeError, match="forward"):
        SuperGATConv(4, 4).get_attention_loss()


def test_super_gat_conv_gradcheck():
    torch.manual_seed(3)
    conv = SuperGATConv(3, 2, heads=2).double().eval()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: conv(t, EDGE_INDEX), (x,))
