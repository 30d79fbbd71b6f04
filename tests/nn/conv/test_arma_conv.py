import pytest
import torch

from distgnn.nn.conv import ARMAConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 0], [1, 0, 2, 1, 3, 2, 3]])


def reference(conv, x):
    A = torch.zeros(4, 4, dtype=x.dtype)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = 1.0
    d = A.sum(1).pow(-0.5)
    d[torch.isinf(d)] = 0
    L = d.view(-1, 1) * A * d.view(1, -1)
    outs = []
    for k in range(conv.num_stacks):
        h = x
        for t in range(conv.num_layers):
            i = 0 if conv.shared_weights else t
            W = conv.init_weight[k] if t == 0 else conv.weight[0 if conv.shared_weights else t - 1, k]
            h = torch.relu(L @ (h @ W) + x @ conv.root_weight[i, k] + conv.bias[i, k])
        outs.append(h)
    return torch.stack(outs).mean(0)


@pytest.mark.parametrize("shared", [False, True])
def test_arma_conv_formula_and_sparse(shared):
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = ARMAConv(3, 5, num_stacks=2, num_layers=3, shared_weights=shared)
    torch.nn.init.normal_(conv.bias)
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out, reference(conv, x), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)
    assert repr(conv) == "ARMAConv(3, 5, num_stacks=2, num_layers=3)"


def test_arma_conv_options():
    x = torch.randn(4, 3)
    conv = ARMAConv(3, 4, act=None, bias=False, dropout=0.5).train()
    assert conv(x, EDGE_INDEX).shape == (4, 4)
    with pytest.raises(ValueError, match="num_stacks"):
        ARMAConv(3, 4, num_stacks=0)


def test_arma_conv_grad_jit():
    conv = ARMAConv(2, 2, num_stacks=2, num_layers=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, None), conv(x, EDGE_INDEX))


def test_arma_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv = ARMAConv(3, 5, num_stacks=2, num_layers=2)
    ref = pyg.ARMAConv(3, 5, num_stacks=2, num_layers=2)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, EDGE_INDEX), ref(x, EDGE_INDEX), atol=1e-5)
