import pytest
import torch

from distgnn.nn import DenseGraphConv, GraphConv

# directed weighted edges j -> i; dense adj[i, j] holds the weight (rows aggregate)
EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])
WEIGHT = torch.tensor([0.5, 2.0, -1.0, 3.0, 1.5])


def _dense(edge_index, n, weight=None):
    adj = torch.zeros(n, n)
    adj[edge_index[1], edge_index[0]] = 1.0 if weight is None else weight
    return adj


def test_dense_graph_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = DenseGraphConv(3, 5)
    assert repr(conv) == "DenseGraphConv(3, 5)"
    adj = _dense(EDGE_INDEX, 4, WEIGHT)
    out = conv(x, adj)[0]
    agg = torch.stack([2.0 * x[1], 0.5 * x[0] - x[2] + 3.0 * x[3], torch.zeros(3), 1.5 * x[0]])
    assert torch.allclose(out, conv.lin_rel(agg) + conv.lin_root(x), atol=1e-6)


@pytest.mark.parametrize("aggr", ["add", "mean", "max"])
def test_dense_graph_conv_matches_sparse_batched_masked(aggr):
    torch.manual_seed(1)
    sparse = GraphConv(3, 5, aggr=aggr)
    conv = DenseGraphConv(3, 5, aggr=aggr)
    with torch.no_grad():  # 1.7 names: the bias is lin_l's here, lin_root's there
        conv.lin_rel.weight.copy_(sparse.lin_l.weight)
        conv.lin_root.weight.copy_(sparse.lin_r.weight)
        conv.lin_root.bias.copy_(sparse.lin_l.bias)
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
    if aggr != "mean":  # weighted: sparse mean divides by the count, dense by the weight sum
        w = _dense(EDGE_INDEX, 4, WEIGHT)
        assert torch.allclose(conv(x1, w)[0], sparse(x1, EDGE_INDEX, WEIGHT), atol=1e-5)


def test_dense_graph_conv_gradcheck_and_bad_aggr():
    conv = DenseGraphConv(3, 2, aggr="max").double()
    x = torch.randn(2, 4, 3, dtype=torch.double, requires_grad=True)
    adj = (torch.rand(2, 4, 4) > 0.5).double()
    assert torch.autograd.gradcheck(lambda a: conv(a, adj), (x,))
    with pytest.raises(ValueError, match="aggr"):
        DenseGraphConv(3, 2, aggr="std")
