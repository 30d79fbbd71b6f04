"""DeepGCNLayer: the four skip-connection blocks against plain compositions."""
import pytest
import torch

from distgnn.nn import DeepGCNLayer, GCNConv

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])


def _parts():
    torch.manual_seed(0)
    conv = GCNConv(4, 4)
    norm = torch.nn.LayerNorm(4)
    act = torch.nn.ReLU()
    return conv, norm, act


def test_res_plus_is_norm_act_conv_plus_input():
    conv, norm, act = _parts()
    layer = DeepGCNLayer(conv, norm, act, block="res+", dropout=0.0)
    assert repr(layer) == "DeepGCNLayer(block=res+)"
    x = torch.randn(4, 4)
    expected = x + conv(act(norm(x)), EDGE_INDEX)
    assert torch.allclose(layer(x, EDGE_INDEX), expected, atol=1e-6)


@pytest.mark.parametrize("block", ["res", "dense", "plain", "RES"])
def test_post_activation_blocks(block):
    conv, norm, act = _parts()
    layer = DeepGCNLayer(conv, norm, act, block=block)
    x = torch.randn(4, 4)
    h = act(norm(conv(x, EDGE_INDEX)))
    expected = {"res": x + h, "dense": torch.cat([x, h], -1), "plain": h}[block.lower()]
    assert torch.allclose(layer(x, EDGE_INDEX), expected, atol=1e-6)


def test_checkpointing_gives_same_values_and_gradients():
    conv, norm, act = _parts()
    x = torch.randn(4, 4, requires_grad=True)
    out_plain = DeepGCNLayer(conv, norm, act)(x, EDGE_INDEX)
    g_plain = torch.autograd.grad(out_plain.sum(), [x, conv.weight])
    out_ckpt = DeepGCNLayer(conv, norm, act, ckpt_grad=True)(x, edge_index=EDGE_INDEX)
    g_ckpt = torch.autograd.grad(out_ckpt.sum(), [x, conv.weight])
    assert torch.allclose(out_plain, out_ckpt)
    assert all(torch.allclose(a, b) for a, b in zip(g_plain, g_ckpt))


def test_dropout_only_in_training_and_reset_parameters():
    conv, norm, act = _parts()
    layer = DeepGCNLayer(conv, norm, act, block="plain", dropout=0.5)
    x = torch.randn(4, 4)
    layer.eval()
    assert torch.allclose(layer(x, EDGE_INDEX), act(norm(conv(x, EDGE_INDEX))))
    w = conv.weight.clone()
    layer.reset_parameters()
    assert not torch.equal(w, conv.weight)
    assert torch.equal(DeepGCNLayer(block="res+")(x), 2 * x)  # no conv: identity


def test_bad_arguments():
    with pytest.raises(ValueError, match="block must be one of .* got 'skip'"):
        DeepGCNLayer(block="skip")
    with pytest.raises(ValueError, match=r"dropout must lie in \[0, 1\], got 1.5"):
        DeepGCNLayer(dropout=1.5)
