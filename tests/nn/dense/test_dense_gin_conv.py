import pytest
import torch
from torch.nn import Linear, ReLU, Sequential

from distgnn.nn import DenseGINConv, GINConv

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 1, 3], [1, 0, 2, 1, 3, 1]])


def _dense(edge_index, n):
    adj = torch.zeros(n, n)
    adj[edge_index[0], edge_index[1]] = 1.0
    return adj


def test_dense_gin_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    net = Sequential(Linear(3, 8), ReLU(), Linear(8, 4))
    conv = DenseGINConv(net, eps=0.5)
    assert repr(conv) == ("DenseGINConv(nn=Sequential(\n  (0): Linear(in_features=3, "
                          "out_features=8, bias=True)\n  (1): ReLU()\n  (2): Linear("
                          "in_features=8, out_features=4, bias=True)\n))")
    adj = _dense(EDGE_INDEX, 4)
    out = conv(x, adj)
    assert torch.allclose(out[0], net(adj @ x + 1.5 * x), atol=1e-6)
    assert torch.allclose(conv(x, adj, add_loop=False)[0], net(adj @ x), atol=1e-6)
    assert "eps" in dict(conv.named_buffers())
    trainable = DenseGINConv(net, eps=0.1, train_eps=True)
    assert isinstance(trainable.eps, torch.nn.Parameter)


@pytest.mark.parametrize("train_eps", [False, True])
def test_dense_gin_conv_matches_sparse_batched_masked(train_eps):
    torch.manual_seed(1)
    net = Sequential(Linear(3, 8), ReLU(), Linear(8, 4))
    sparse = GINConv(net, eps=0.25, train_eps=train_eps)
    conv = DenseGINConv(net, eps=0.25, train_eps=train_eps)
    x1, x2 = torch.randn(4, 3), torch.randn(3, 3)
    e2 = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    x = torch.zeros(2, 4, 3)
    x[0], x[1, :3] = x1, x2
    adj = torch.zeros(2, 4, 4)
    adj[0], adj[1, :3, :3] = _dense(EDGE_INDEX, 4), _dense(e2, 3)
    mask = torch.tensor([[True] * 4, [True, True, True, False]])
    out = conv(x, adj, mask)
    assert torch.allclose(out[0], sparse(x1, EDGE_INDEX), atol=1e-5)
    assert torch.allclose(out[1, :3], sparse(x2, e2), atol=1e-5)
    assert torch.equal(out[1, 3], torch.zeros(4))


def test_dense_gin_conv_gradcheck():
    conv = DenseGINConv(Linear(3, 2), train_eps=True).double()
    x = torch.randn(2, 4, 3, dtype=torch.double, requires_grad=True)
    adj = torch.rand(2, 4, 4, dtype=torch.double)
    assert torch.autograd.gradcheck(lambda a: conv(a, adj), (x,))
    (conv(x, adj).sum()).backward()
    assert conv.eps.grad is not None
