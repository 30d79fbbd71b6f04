"""Layers that fuse message + aggregate on a repeated ``edge_index`` (through the
cached CSR structure) give the gather/scatter result: the first call on a tensor
is unfused, later calls are fused."""
import pytest
import torch
from torch.nn import Linear, ReLU, Sequential

from distgnn import nn

torch.manual_seed(0)
N, F = 6, 4
X = torch.randn(N, F, dtype=torch.double)
EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 4, 5, 0, 2, 3], [1, 0, 1, 1, 3, 4, 5, 2, 0]])
WEIGHT = torch.rand(EDGE_INDEX.size(1), dtype=torch.double)

LAYERS = [
    (lambda: nn.GCNConv(F, 3), True),
    (lambda: nn.SAGEConv(F, 3), False),
    (lambda: nn.SAGEConv(F, 3, aggr="max"), False),
    (lambda: nn.GINConv(Sequential(Linear(F, 3), ReLU(), Linear(3, 3))), False),
    (lambda: nn.GraphConv(F, 3), True),
    (lambda: nn.ClusterGCNConv(F, 3), False),
    (lambda: nn.APPNP(K=3, alpha=0.1), True),
    (lambda: nn.ARMAConv(F, 3, num_stacks=2, num_layers=2), True),
    (lambda: nn.GatedGraphConv(F, num_layers=2), True),
    (lambda: nn.SGConv(F, 3, K=2), True),
    (lambda: nn.TAGConv(F, 3, K=2), True),
    (lambda: nn.EGConv(F, 4, aggregators=["symnorm", "max", "std"], num_heads=2), False),
]


@pytest.mark.parametrize("make,weighted", LAYERS)
def test_repeated_edge_index_gives_the_same_values_and_gradients(make, weighted):
    torch.manual_seed(1)
    conv = make().double().eval()
    edge_index = EDGE_INDEX.clone()  # a fresh tensor: its first call is unfused
    args = (WEIGHT,) if weighted else ()
    outs, grads = [], []
    for _ in range(3):
        x = X.clone().requires_grad_()
        out = conv(x, edge_index, *args)
        outs.append(out)
        grads.append(torch.autograd.grad(out.pow(2).sum(), x)[0])
    for out, grad in zip(outs[1:], grads[1:]):
        assert torch.allclose(out, outs[0], atol=1e-10)
        assert torch.allclose(grad, grads[0], atol=1e-10)


def test_gcn2_repeated_edge_index():
    conv = nn.GCN2Conv(F, alpha=0.2, theta=0.5, layer=1).double()
    edge_index = EDGE_INDEX.clone()
    first = conv(X, X, edge_index)
    assert torch.allclose(conv(X, X, edge_index), first, atol=1e-10)
