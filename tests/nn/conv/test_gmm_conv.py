import pytest
import torch

from distgnn.nn import GMMConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size, value):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value, sparse_sizes=size)


def _w(conv, e):
    """w_k(e) for every kernel k, by hand."""
    return torch.exp(-0.5 * (((e - conv.mu) ** 2) / (1e-15 + conv.sigma ** 2)).sum(-1))


def test_gmm_conv_formula_by_hand():
    torch.manual_seed(0)
    x, e = torch.randn(4, 3), torch.rand(5, 2)
    conv = GMMConv(3, 4, dim=2, kernel_size=3)
    assert repr(conv) == "GMMConv(3, 4, dim=2)"
    out = conv(x, EDGE_INDEX, e)
    theta = conv.g.view(3, 3, 4)  # [in, K, out]

    def msg(k_edge, j):
        w = _w(conv, e[k_edge])
        return sum(w[k] * (x[j] @ theta[:, k]) for k in range(3))
    m = [msg(k, j) for k, j in enumerate(EDGE_INDEX[0].tolist())]
    agg = torch.stack([m[1], (m[0] + m[2] + m[3]) / 3, torch.zeros(4), m[4]])
    assert torch.allclose(out, agg + x @ conv.root + conv.bias, atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-5)


def test_gmm_conv_separate_gaussians_by_hand():
    torch.manual_seed(1)
    x, e = torch.randn(4, 3), torch.rand(5, 2)
    conv = GMMConv(3, 2, dim=2, kernel_size=2, separate_gaussians=True, aggr="add",
                   root_weight=False, bias=False)
    assert conv.mu.shape == (3, 2, 2, 2) and conv.root is None and conv.bias is None
    out = conv(x, EDGE_INDEX, e)
    g = conv.g.view(3, 2, 2)  # [in, out, K]
    expected = torch.zeros(4, 2)
    for k_edge, (j, i) in enumerate(EDGE_INDEX.t().tolist()):
        w = _w(conv, e[k_edge])  # [in, out, K]
        expected[i] += (x[j].view(3, 1) * (w * g).sum(-1)).sum(0)
    assert torch.allclose(out, expected, atol=1e-5)


def test_gmm_conv_bipartite_gradcheck_jit():
    torch.manual_seed(2)
    x_src, x_dst, e = torch.randn(4, 3), torch.randn(2, 5), torch.rand(4, 2)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = GMMConv((3, 5), 4, dim=2, kernel_size=3)
    out = conv((x_src, x_dst), edge_index, e)
    no_root = conv((x_src, None), edge_index, e, size=(4, 2))
    assert torch.allclose(out, no_root + x_dst @ conv.root, atol=1e-5)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4), e)), out, atol=1e-5)

    conv = GMMConv(2, 3, dim=2, kernel_size=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    ed = torch.rand(5, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: conv(a, EDGE_INDEX, b), (x, ed))

    for sep in (False, True):
        conv = GMMConv(3, 4, dim=2, kernel_size=3, separate_gaussians=sep)
        x, e = torch.randn(4, 3), torch.rand(5, 2)
        jit = torch.jit.script(conv.jittable())
        assert torch.allclose(jit(x, EDGE_INDEX, e), conv(x, EDGE_INDEX, e), atol=1e-5)
        assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4), e)), conv(x, EDGE_INDEX, e),
                              atol=1e-5)


@pytest.mark.parametrize("separate", [False, True])
def test_gmm_conv_matches_torch_geometric(separate):
    G = pytest.importorskip("torch_geometric.nn")
    torch.manual_seed(3)
    x, e = torch.randn(4, 3), torch.rand(5, 2)
    conv = GMMConv(3, 4, dim=2, kernel_size=3, separate_gaussians=separate)
    ref = G.GMMConv(3, 4, dim=2, kernel_size=3, separate_gaussians=separate)
    with torch.no_grad():
        ref.g.copy_(conv.g)
        ref.mu.copy_(conv.mu)
        ref.sigma.copy_(conv.sigma)
        ref.root.weight.copy_(conv.root.t())
        ref.bias.copy_(conv.bias)
    assert torch.allclose(conv(x, EDGE_INDEX, e), ref(x, EDGE_INDEX, e), atol=1e-5)
