import pytest
import torch

from distgnn.nn.conv import TAGConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 0], [1, 0, 2, 1, 3, 2, 3]])
WEIGHT = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0, 1.5, 2.0])


def reference(conv, x, edge_weight, normalize=True):
    A = torch.zeros(4, 4, dtype=x.dtype)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = edge_weight if edge_weight is not None else 1.0
    if normalize:
        d = A.sum(1).pow(-0.5)
        d[torch.isinf(d)] = 0
        A = d.view(-1, 1) * A * d.view(1, -1)
    theta = conv.lin.weight.t().reshape(conv.K + 1, conv.in_channels, conv.out_channels)
    out, h = x @ theta[0], x
    for k in range(1, conv.K + 1):
        h = A @ h
        out = out + h @ theta[k]
    return out + conv.lin.bias


@pytest.mark.parametrize("in_c,out_c", [(3, 5), (6, 2)])  # both evaluation orders
@pytest.mark.parametrize("weighted", [False, True])
def test_tag_conv_formula_and_sparse(in_c, out_c, weighted):
    torch.manual_seed(0)
    x = torch.randn(4, in_c)
    w = WEIGHT if weighted else None
    conv = TAGConv(in_c, out_c, K=3)
    torch.nn.init.normal_(conv.lin.bias)
    out = conv(x, EDGE_INDEX, w)
    assert torch.allclose(out, reference(conv, x, w), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=w, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)


def test_tag_conv_unnormalized_repr():
    x = torch.randn(4, 3)
    conv = TAGConv(3, 4, K=2, normalize=False)
    assert torch.allclose(conv(x, EDGE_INDEX, WEIGHT), reference(conv, x, WEIGHT, False),
                          atol=1e-4)
    assert repr(TAGConv(16, 32)) == "TAGConv(16, 32, K=3)"


def test_tag_conv_grad_jit():
    conv = TAGConv(2, 2, K=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, None), conv(x, EDGE_INDEX))
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(jit(x, adj, None), conv(x, EDGE_INDEX))


def test_tag_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv, ref = TAGConv(3, 5, K=3), pyg.TAGConv(3, 5, K=3)
    with torch.no_grad():
        theta = conv.lin.weight.t().reshape(4, 3, 5)
        for k, lin in enumerate(ref.lins):
            lin.weight.copy_(theta[k].t())
        ref.bias.copy_(conv.lin.bias)
    assert torch.allclose(conv(x, EDGE_INDEX, WEIGHT), ref(x, EDGE_INDEX, WEIGHT), atol=1e-5)
