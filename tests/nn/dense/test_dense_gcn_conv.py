import pytest
import torch

from distgnn.nn import DenseGCNConv, GCNConv

# undirected graph: 0-1, 1-2, 1-3 (edge_index lists both directions)
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 1, 3], [1, 0, 2, 1, 3, 1]])


def _dense(edge_index, n):
    adj = torch.zeros(n, n)
    adj[edge_index[0], edge_index[1]] = 1.0
    return adj


def test_dense_gcn_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = DenseGCNConv(3, 5)
    assert repr(conv) == "DenseGCNConv(3, 5)"
    out = conv(x, _dense(EDGE_INDEX, 4))
    assert out.shape == (1, 4, 5)
    deg = torch.tensor([2.0, 4.0, 2.0, 2.0])  # with self-loops
    a_hat = _dense(EDGE_INDEX, 4) + torch.eye(4)
    expected = (a_hat / (deg.sqrt().unsqueeze(1) * deg.sqrt().unsqueeze(0))) @ x @ conv.weight
    assert torch.allclose(out[0], expected + conv.bias, atol=1e-6)
    # improved: diagonal 2; no loop: plain A (isolated rows keep degree clamp 1)
    improved = DenseGCNConv(3, 5, improved=True)
    improved.load_state_dict(conv.state_dict())
    a2 = _dense(EDGE_INDEX, 4) + 2 * torch.eye(4)
    d2 = a2.sum(1)
    exp2 = (a2 / (d2.sqrt().unsqueeze(1) * d2.sqrt().unsqueeze(0))) @ x @ conv.weight
    assert torch.allclose(improved(x, _dense(EDGE_INDEX, 4))[0], exp2 + conv.bias, atol=1e-6)
    a = _dense(EDGE_INDEX, 4)
    d = a.sum(1)
    exp3 = (a / (d.sqrt().unsqueeze(1) * d.sqrt().unsqueeze(0))) @ x @ conv.weight
    assert torch.allclose(conv(x, a, add_loop=False)[0], exp3 + conv.bias, atol=1e-6)


def test_dense_gcn_conv_matches_sparse_batched_masked():
    torch.manual_seed(1)
    sparse = GCNConv(3, 5)
    conv = DenseGCNConv(3, 5)
    conv.load_state_dict(sparse.state_dict())
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
    assert torch.equal(out[1, 3], torch.zeros(5))
    # adjacency broadcast over the batch
    shared = conv(torch.stack([x1, x1 * 2]), _dense(EDGE_INDEX, 4))
    assert torch.allclose(shared[1], 2 * shared[0] - conv.bias, atol=1e-5)


def test_dense_gcn_conv_gradcheck_and_oracle():
    torch.manual_seed(2)
    conv = DenseGCNConv(3, 2).double()
    x = torch.randn(2, 4, 3, dtype=torch.double, requires_grad=True)
    adj = torch.rand(2, 4, 4, dtype=torch.double)
    assert torch.autograd.gradcheck(lambda a: conv(a, adj), (x,))
    G = pytest.importorskip("torch_geometric.nn")
    ref = G.DenseGCNConv(3, 2).double()
    with torch.no_grad():
        ref.lin.weight.copy_(conv.weight.t())
        ref.bias.copy_(conv.bias)
    mask = torch.tensor([[True, True, True, False], [True] * 4])
    assert torch.allclose(conv(x, adj, mask), ref(x, adj, mask), atol=1e-8)
    assert torch.allclose(conv(x, adj, add_loop=False), ref(x, adj, add_loop=False), atol=1e-8)


def test_dense_gcn_conv_bad_shapes():
    conv = DenseGCNConv(3, 2)
    with pytest.raises(ValueError, match="adj"):
        conv(torch.randn(4, 3), torch.randn(4, 3))
    with pytest.raises(ValueError, match="nodes"):
        conv(torch.randn(4, 3), torch.randn(5, 5))
    with pytest.raises(ValueError, match="mask"):
        conv(torch.randn(4, 3), torch.randn(4, 4), mask=torch.ones(1, 3, dtype=torch.bool))
