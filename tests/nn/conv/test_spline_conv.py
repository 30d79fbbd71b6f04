import pytest
import torch

from distgnn.nn import SplineConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])
PSEUDO = torch.tensor([[0.1], [0.5], [0.75], [1.0], [0.3]])


def _adj(edge_index, size, value):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value, sparse_sizes=size)


def _kernel(conv, u):
    """h(u) for dim=1, open, degree=1, K=3 by hand: v = 2u, blend (1-t, t)."""
    v = 2.0 * u
    lo = int(v)
    t = v - lo
    w = conv.weight
    return (1 - t) * w[lo % 3] + t * w[(lo + 1) % 3]


def test_spline_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 4)
    conv = SplineConv(4, 8, dim=1, kernel_size=3)
    assert repr(conv) == "SplineConv(4, 8, dim=1)"
    assert conv.weight.shape == (3, 4, 8) and conv.root.shape == (4, 8)
    out = conv(x, EDGE_INDEX, PSEUDO)
    msgs = [x[j] @ _kernel(conv, float(PSEUDO[e])) for e, j in enumerate(EDGE_INDEX[0].tolist())]
    agg = torch.stack([msgs[1], (msgs[0] + msgs[2] + msgs[3]) / 3, torch.zeros(8), msgs[4]])
    expected = agg + x @ conv.root + conv.bias
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4), PSEUDO)), out, atol=1e-5)


def test_spline_conv_2d_closed_degree2_no_root():
    torch.manual_seed(1)
    x = torch.randn(4, 3)
    pseudo = torch.rand(5, 2)
    conv = SplineConv(3, 2, dim=2, kernel_size=[4, 5], is_open_spline=[True, False],
                      degree=2, aggr="add", root_weight=False, bias=False)
    assert conv.root is None and conv.bias is None
    assert conv.weight.shape == (20, 3, 2)
    out = conv(x, EDGE_INDEX, pseudo)
    # kernel by hand: dim 0 open (v = 2u), dim 1 closed (v = 5u), quadratic blend
    def blend(t):
        return [0.5 * (1 - t) ** 2, -t * t + t + 0.5, 0.5 * t * t]
    expected = torch.zeros(4, 2)
    for e, (j, i) in enumerate(EDGE_INDEX.t().tolist()):
        v0, v1 = 2 * float(pseudo[e, 0]), 5 * float(pseudo[e, 1])
        f0, f1 = int(v0), int(v1)
        b0, b1 = blend(v0 - f0), blend(v1 - f1)
        h = sum(b0[a] * b1[b] * conv.weight[(f0 + a) % 4 + 4 * ((f1 + b) % 5)]
                for a in range(3) for b in range(3))
        expected[i] += x[j] @ h
    assert torch.allclose(out, expected, atol=1e-5)


def test_spline_conv_bipartite():
    torch.manual_seed(2)
    x_src, x_dst = torch.randn(4, 4), torch.randn(2, 6)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    pseudo = torch.rand(4, 3)
    conv = SplineConv((4, 6), 5, dim=3, kernel_size=3)
    assert repr(conv) == "SplineConv((4, 6), 5, dim=3)"
    out = conv((x_src, x_dst), edge_index, pseudo)
    no_root = conv((x_src, None), edge_index, pseudo, size=(4, 2))
    assert torch.allclose(out, no_root + x_dst @ conv.root, atol=1e-5)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4), pseudo)), out,
                          atol=1e-5)


@pytest.mark.parametrize("degree", [1, 3])
def test_spline_conv_gradcheck(degree):
    torch.manual_seed(3)
    conv = SplineConv(2, 3, dim=2, kernel_size=5, degree=degree).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    pseudo = (torch.rand(5, 2, dtype=torch.double) * 0.9 + 0.05).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, p: conv(a, EDGE_INDEX, p), (x, pseudo))


def test_spline_conv_jit():
    torch.manual_seed(4)
    x = torch.randn(4, 4)
    conv = SplineConv(4, 8, dim=1, kernel_size=3)
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX, PSEUDO)
    assert torch.allclose(jit(x, EDGE_INDEX, PSEUDO), out, atol=1e-5)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4), PSEUDO)), out, atol=1e-5)


def test_spline_conv_bad_args():
    with pytest.raises(ValueError, match="degree"):
        SplineConv(4, 8, dim=1, kernel_size=3, degree=4)
    with pytest.raises(ValueError, match="one entry per dimension"):
        SplineConv(4, 8, dim=2, kernel_size=[3, 3, 3])
    with pytest.raises(ValueError, match="edge_attr"):
        SplineConv(4, 8, dim=1, kernel_size=3)(torch.randn(4, 4), EDGE_INDEX)
