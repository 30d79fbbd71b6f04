import pytest
import torch

from distgnn.nn import FAConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size, value=None):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value, sparse_sizes=size)


def _reference(conv, x, x_0, edges, weight):
    """out_i = eps * x0_i + sum_j tanh(a_l x_j + a_r x_i) * w_ji * x_j."""
    out = conv.eps * x_0.clone()
    alphas = []
    for (j, i), w in zip(edges, weight):
        a = torch.tanh(conv.att_l(x[j]) + conv.att_r(x[i])).squeeze()
        alphas.append(a)
        out[i] = out[i] + a * w * x[j]
    return out, torch.stack(alphas)


def test_fa_conv_formula_by_hand():
    torch.manual_seed(0)
    x, x_0 = torch.randn(4, 8), torch.randn(4, 8)
    conv = FAConv(8, eps=0.3)
    assert repr(conv) == "FAConv(8, eps=0.3)"
    out, (ei, alpha) = conv(x, x_0, EDGE_INDEX, return_attention_weights=True)
    # degrees with self-loops: d = [2, 4, 1, 2]
    d = torch.tensor([2.0, 4.0, 1.0, 2.0])
    edges = [(int(a), int(b)) for a, b in ei.t()]
    assert sorted(edges) == sorted([(0, 1), (1, 0), (2, 1), (3, 1), (0, 3)]
                                   + [(i, i) for i in range(4)])
    weight = [1.0 / (d[j] * d[i]).sqrt() for j, i in edges]
    ref, ref_alpha = _reference(conv, x, x_0, edges, weight)
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(alpha, ref_alpha, atol=1e-6)
    assert torch.allclose(conv(x, x_0, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)
    out2, adj = conv(x, x_0, _adj(EDGE_INDEX, (4, 4)), return_attention_weights=True)
    assert isinstance(adj, SparseTensor) and adj.nnz() == 9
    assert torch.allclose(out2, out, atol=1e-5)


def test_fa_conv_without_normalization():
    torch.manual_seed(1)
    x, x_0 = torch.randn(4, 8), torch.randn(4, 8)
    w = torch.tensor([0.5, 2.0, -1.0, 3.0, 1.5])
    conv = FAConv(8, eps=0.0, normalize=False)
    out = conv(x, x_0, EDGE_INDEX, w)
    edges = [(int(a), int(b)) for a, b in EDGE_INDEX.t()]
    ref, _ = _reference(conv, x, x_0, edges, w)
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(conv(x, x_0, _adj(EDGE_INDEX, (4, 4), w)), out, atol=1e-5)


def test_fa_conv_cached():
    x, x_0 = torch.randn(4, 8), torch.randn(4, 8)
    conv = FAConv(8, cached=True)
    out = conv(x, x_0, EDGE_INDEX)
    assert conv._cached_edge_index is not None
    # the cache is reused even if another graph is passed
    assert torch.allclose(conv(x, x_0, EDGE_INDEX[:, :2]), out)
    conv.reset_parameters()
    assert conv._cached_edge_index is None


def test_fa_conv_input_errors():
    x = torch.randn(4, 8)
    conv = FAConv(8)
    with pytest.raises(ValueError, match="normalize=False"):
        conv(x, x, EDGE_INDEX, torch.ones(5))
    with pytest.raises(ValueError, match="without values"):
        conv(x, x, _adj(EDGE_INDEX, (4, 4), torch.ones(5)))
    with pytest.raises(ValueError, match="needs edge_weight"):
        FAConv(8, normalize=False)(x, x, EDGE_INDEX)


def test_fa_conv_gradcheck():
    conv = FAConv(3).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    x_0 = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: conv(a, b, EDGE_INDEX), (x, x_0))


def test_fa_conv_jit():
    x, x_0 = torch.randn(4, 8), torch.randn(4, 8)
    w = torch.rand(5)
    conv = FAConv(8, normalize=False)
    out = conv(x, x_0, EDGE_INDEX, w)
    t = "(Tensor, Tensor, Tensor, OptTensor, NoneType) -> Tensor"
    jit = torch.jit.script(conv.jittable(t))
    assert torch.allclose(jit(x, x_0, EDGE_INDEX, w), out, atol=1e-5)
