import pytest
import torch

from distgnn.nn import DenseSAGEConv, SAGEConv

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _dense(edge_index, n):
    adj = torch.zeros(n, n)
    adj[edge_index[1], edge_index[0]] = 1.0  # row i aggregates its in-neighbours j
    return adj


def _copy(conv, sparse):
    with torch.no_grad():
        conv.lin_rel.weight.copy_(sparse.lin_l.weight)
        conv.lin_root.bias.copy_(sparse.lin_l.bias)
        conv.lin_root.weight.copy_(sparse.lin_r.weight)


def test_dense_sage_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = DenseSAGEConv(3, 5)
    assert repr(conv) == "DenseSAGEConv(3, 5)"
    out = conv(x, _dense(EDGE_INDEX, 4))[0]
    agg = torch.stack([x[1], (x[0] + x[2] + x[3]) / 3, torch.zeros(3), x[0]])
    assert torch.allclose(out, conv.lin_rel(agg) + conv.lin_root(x), atol=1e-6)


@pytest.mark.parametrize("normalize", [False, True])
def test_dense_sage_conv_matches_sparse_batched_masked(normalize):
    torch.manual_seed(1)
    sparse = SAGEConv(3, 5, normalize=normalize)
    conv = DenseSAGEConv(3, 5, normalize=normalize)
    _copy(conv, sparse)
    x1, x2 = torch.randn(4, 3), torch.randn(3, 3)
    e2 = torch.tensor([[0, 2], [1, 1]])
    x = torch.zeros(2, 4, 3)
    x[0], x[1, :3] = x1, x2
    adj = torch.zeros(2, 4, 4)
    adj[0], adj[1, :3, :3] = _dense(EDGE_INDEX, 4), _dense(e2, 3)
    mask = torch.tensor([[True] * 4, [True, True, True, False]])
    out = conv(x, adj, mask)
    assert torch.allclose(out[0], sparse(x1, EDGE_INDEX), atol=1e-5)
    assert torch.allclose(out[1, :3], sparse(x2, e2), atol=1e-5)
    assert torch.equal(out[1, 3], torch.zeros(5))


def test_dense_sage_conv_gradcheck():
    conv = DenseSAGEConv(3, 2, normalize=True).double()
    x = torch.randn(2, 4, 3, dtype=torch.double, requires_grad=True)
    adj = (torch.rand(2, 4, 4) > 0.5).double()
    assert torch.autograd.gradcheck(lambda a: conv(a, adj), (x,))
