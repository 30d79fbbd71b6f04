import pytest
import torch

from distgnn.nn.conv import SGConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 0], [1, 0, 2, 1, 3, 2, 3]])
WEIGHT = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0, 1.5, 2.0])


def norm_adj(edge_weight, n=4, loops=True):
    A = torch.eye(n) if loops else torch.zeros(n, n)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = edge_weight if edge_weight is not None else 1.0
    d = A.sum(1).pow(-0.5)
    d[torch.isinf(d)] = 0
    return d.view(-1, 1) * A * d.view(1, -1)


@pytest.mark.parametrize("weighted", [False, True])
def test_sg_conv_formula_and_sparse(weighted):
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    w = WEIGHT if weighted else None
    conv = SGConv(3, 5, K=2)
    out = conv(x, EDGE_INDEX, w)
    P = norm_adj(w)
    assert torch.allclose(out, conv.lin(P @ P @ x), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=w, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)


def test_sg_conv_cached_no_loops_repr():
    x = torch.randn(4, 3)
    conv = SGConv(3, 5, K=1, add_self_loops=False)
    assert torch.allclose(conv(x, EDGE_INDEX), conv.lin(norm_adj(None, loops=False) @ x),
                          atol=1e-5)
    conv = SGConv(3, 5, K=2, cached=True)
    a = conv(x, EDGE_INDEX)
    assert torch.allclose(conv(x, EDGE_INDEX[:, :1]), a)
    assert repr(SGConv(16, 32, K=3)) == "SGConv(16, 32, K=3)"


def test_sg_conv_grad_jit():
    conv = SGConv(2, 2, K=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, None), conv(x, EDGE_INDEX))
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(jit(x, adj, None), conv(x, EDGE_INDEX))


def test_sg_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv, ref = SGConv(3, 5, K=3), pyg.SGConv(3, 5, K=3)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, EDGE_INDEX, WEIGHT), ref(x, EDGE_INDEX, WEIGHT), atol=1e-5)
