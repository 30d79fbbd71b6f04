import pytest
import torch

from distgnn.nn.conv import APPNP
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 0], [1, 0, 2, 1, 3, 2, 3]])
WEIGHT = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0, 1.5, 2.0])


def norm_adj(edge_weight, n=4):
    A = torch.eye(n)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = edge_weight if edge_weight is not None else 1.0
    d = A.sum(1).pow(-0.5)  # in-degree incl. self loop
    return d.view(-1, 1) * A * d.view(1, -1)


@pytest.mark.parametrize("weighted", [False, True])
def test_appnp_formula_and_sparse(weighted):
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    w = WEIGHT if weighted else None
    conv = APPNP(K=3, alpha=0.1)
    out = conv(x, EDGE_INDEX, w)
    P, h = norm_adj(w), x
    for _ in range(3):
        h = 0.9 * P @ h + 0.1 * x
    assert torch.allclose(out, h, atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=w, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)


def test_appnp_cached_unnormalized_dropout_repr():
    x = torch.randn(4, 3)
    conv = APPNP(K=2, alpha=0.2, cached=True)
    a = conv(x, EDGE_INDEX)
    assert conv._cached_edge_index is not None
    assert torch.allclose(conv(x, EDGE_INDEX[:, :2]), a)  # the cache is used
    conv = APPNP(K=1, alpha=0.5, normalize=False)
    A = torch.zeros(4, 4)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = 1.0
    assert torch.allclose(conv(x, EDGE_INDEX), 0.5 * A @ x + 0.5 * x, atol=1e-6)
    conv = APPNP(K=2, alpha=0.1, dropout=0.5).train()
    assert conv(x, EDGE_INDEX).shape == (4, 3)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert conv(x, adj).shape == (4, 3)
    assert repr(APPNP(K=10, alpha=0.1)) == "APPNP(K=10, alpha=0.1)"
    with pytest.raises(ValueError, match="dropout"):
        APPNP(2, 0.1, dropout=2.0)


def test_appnp_grad_jit():
    conv = APPNP(K=2, alpha=0.1)
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    x = x.detach().float()
    assert torch.allclose(jit(x, EDGE_INDEX, None), conv(x, EDGE_INDEX), atol=1e-6)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(jit(x, adj, None), conv(x, EDGE_INDEX), atol=1e-6)


def test_appnp_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv, ref = APPNP(K=5, alpha=0.15), pyg.APPNP(K=5, alpha=0.15)
    assert torch.allclose(conv(x, EDGE_INDEX, WEIGHT), ref(x, EDGE_INDEX, WEIGHT), atol=1e-5)
