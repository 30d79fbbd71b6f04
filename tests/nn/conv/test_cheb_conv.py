import pytest
import torch

from distgnn.nn.conv import ChebConv

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 0, 2], [1, 0, 2, 1, 3, 2, 2, 0]])
WEIGHT = torch.tensor([1.0, 1.0, 2.0, 2.0, 0.5, 0.5, 1.5, 1.5])


def dense_laplacian(edge_index, weight, n, normalization):
    A = torch.zeros(n, n, dtype=weight.dtype)
    A[edge_index[0], edge_index[1]] = weight
    deg = A.sum(dim=1)
    if normalization is None:
        return torch.diag(deg) - A
    if normalization == "sym":
        d = deg.pow(-0.5)
        return torch.eye(n, dtype=weight.dtype) - d.view(-1, 1) * A * d.view(1, -1)
    return torch.eye(n, dtype=weight.dtype) - A / deg.view(-1, 1)


def expected(conv, x, L, lam):
    n = x.size(0)
    L_hat = 2.0 * L / lam - torch.eye(n, dtype=x.dtype)
    Z = [x, L_hat.t() @ x]
    for _ in range(2, conv.weight.size(0)):
        Z.append(2 * L_hat.t() @ Z[-1] - Z[-2])
    out = sum(z @ w for z, w in zip(Z, conv.weight))
    return out + conv.bias


@pytest.mark.parametrize("normalization,lam", [("sym", None), ("rw", 1.7), (None, 5.0)])
def test_cheb_conv_matches_dense_recursion(normalization, lam):
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = ChebConv(3, 5, K=3, normalization=normalization)
    torch.nn.init.normal_(conv.bias)
    lam_t = None if lam is None else torch.tensor(lam)
    out = conv(x, EDGE_INDEX, WEIGHT, lambda_max=lam_t)
    L = dense_laplacian(EDGE_INDEX, WEIGHT, 4, normalization)
    ref = expected(conv, x, L, 2.0 if lam is None else lam)
    assert out.shape == (4, 5)
    assert torch.allclose(out, ref, atol=1e-5)


def test_cheb_conv_k1_and_self_loops_ignored():
    x = torch.randn(4, 3)
    conv = ChebConv(3, 2, K=1)
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out, x @ conv.weight[0] + conv.bias)
    ei = torch.cat([EDGE_INDEX, torch.tensor([[1], [1]])], dim=1)
    conv = ChebConv(3, 2, K=3)
    assert torch.allclose(conv(x, ei), conv(x, EDGE_INDEX), atol=1e-6)


def test_cheb_conv_batch_lambda_max():
    torch.manual_seed(1)
    x = torch.randn(8, 3)
    ei = torch.cat([EDGE_INDEX, EDGE_INDEX + 4], dim=1)
    w = torch.cat([WEIGHT, WEIGHT])
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    conv = ChebConv(3, 4, K=3, normalization="rw")
    out = conv(x, ei, w, batch=batch, lambda_max=torch.tensor([1.5, 3.0]))
    a = conv(x[:4], EDGE_INDEX, WEIGHT, lambda_max=torch.tensor(1.5))
    b = conv(x[4:], EDGE_INDEX, WEIGHT, lambda_max=torch.tensor(3.0))
    assert torch.allclose(out, torch.cat([a, b]), atol=1e-5)


def test_cheb_conv_errors_and_repr():
    conv = ChebConv(16, 32, K=3, normalization="rw")
    assert repr(conv) == "ChebConv(16, 32, K=3, normalization=rw)"
    assert repr(ChebConv(4, 8, 2)) == "ChebConv(4, 8, K=2, normalization=sym)"
    with pytest.raises(ValueError, match="lambda_max"):
        conv(torch.randn(4, 16), EDGE_INDEX)
    with pytest.raises(ValueError, match="normalization"):
        ChebConv(4, 8, 2, normalization="foo")
    with pytest.raises(ValueError, match="K"):
        ChebConv(4, 8, 0)


def test_cheb_conv_gradcheck():
    conv = ChebConv(2, 2, K=3).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    w = WEIGHT.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda x, w: conv(x, EDGE_INDEX, w), (x, w))


def test_cheb_conv_jit():
    x = torch.randn(4, 3)
    conv = ChebConv(3, 5, K=3)
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, WEIGHT), conv(x, EDGE_INDEX, WEIGHT), atol=1e-6)
    lam = torch.tensor(3.0)
    assert torch.allclose(jit(x, EDGE_INDEX, None, None, lam),
                          conv(x, EDGE_INDEX, lambda_max=lam), atol=1e-6)


def test_cheb_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv = ChebConv(3, 5, K=4, normalization="sym")
    ref = pyg.ChebConv(3, 5, K=4, normalization="sym")
    with torch.no_grad():
        for k, lin in enumerate(ref.lins):
            lin.weight.copy_(conv.weight[k].t())
        ref.bias.copy_(torch.randn(5))
        conv.bias.copy_(ref.bias)
    assert torch.allclose(conv(x, EDGE_INDEX, WEIGHT), ref(x, EDGE_INDEX, WEIGHT), atol=1e-5)
