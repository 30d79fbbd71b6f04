import math

import pytest
import torch

from distgnn.nn.conv import GCN2Conv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 0], [1, 0, 2, 1, 3, 2, 3]])
WEIGHT = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0, 1.5, 2.0])


def propagation(edge_weight):
    A = torch.eye(4)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = edge_weight if edge_weight is not None else 1.0
    d = A.sum(1).pow(-0.5)
    return d.view(-1, 1) * A * d.view(1, -1)


@pytest.mark.parametrize("shared", [True, False])
def test_gcn2_conv_formula_and_sparse(shared):
    torch.manual_seed(0)
    x, x_0 = torch.randn(4, 3), torch.randn(4, 3)
    conv = GCN2Conv(3, alpha=0.2, theta=0.5, layer=2, shared_weights=shared)
    beta = math.log(0.5 / 2 + 1)
    assert conv.beta == pytest.approx(beta)
    out = conv(x, x_0, EDGE_INDEX, WEIGHT)
    h = 0.8 * propagation(WEIGHT) @ x
    I = torch.eye(3)
    if shared:
        ref = (h + 0.2 * x_0) @ ((1 - beta) * I + beta * conv.weight1)
    else:
        ref = h @ ((1 - beta) * I + beta * conv.weight1) \
            + 0.2 * x_0 @ ((1 - beta) * I + beta * conv.weight2)
    assert torch.allclose(out, ref, atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=WEIGHT, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, x_0, adj), out, atol=1e-5)


def test_gcn2_conv_defaults_repr_errors():
    conv = GCN2Conv(16, alpha=0.2)
    assert conv.beta == 1.0
    assert repr(conv) == "GCN2Conv(16, alpha=0.2, beta=1.0)"
    with pytest.raises(ValueError, match="theta and layer"):
        GCN2Conv(16, alpha=0.2, theta=0.5)
    conv = GCN2Conv(3, alpha=0.1, cached=True)
    x = torch.randn(4, 3)
    a = conv(x, x, EDGE_INDEX)
    assert torch.allclose(conv(x, x, EDGE_INDEX[:, :1]), a)


def test_gcn2_conv_grad_jit():
    conv = GCN2Conv(2, alpha=0.1, theta=1.0, layer=1).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    x_0 = torch.randn(4, 2, dtype=torch.double)
    assert torch.autograd.gradcheck(lambda x: conv(x, x_0, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, x_0, EDGE_INDEX, None), conv(x, x_0, EDGE_INDEX))


def test_gcn2_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x, x_0 = torch.randn(4, 3), torch.randn(4, 3)
    conv = GCN2Conv(3, alpha=0.2, theta=0.5, layer=2, shared_weights=False)
    ref = pyg.GCN2Conv(3, alpha=0.2, theta=0.5, layer=2, shared_weights=False)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, x_0, EDGE_INDEX, WEIGHT), ref(x, x_0, EDGE_INDEX, WEIGHT),
                          atol=1e-5)
