import pytest
import torch

import distgnn.nn as nn
from distgnn.nn import ASAPooling, GraphConv

X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [2.0, 2.0], [0.5, -1.0]])
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 3, 3, 4], [1, 0, 2, 3, 4, 0, 3]])


def _dense_reference(pool, x, edge_index, weight=None):
    n = x.size(0)
    a = torch.eye(n)  # A[j, i] = w_ji, self-loops weight 1
    w = torch.ones(edge_index.size(1)) if weight is None else weight
    a[edge_index[0], edge_index[1]] = w
    member = a != 0
    x_pool = x if pool.gnn_intra_cluster is None else \
        pool.gnn_intra_cluster(x, *_loops(edge_index, weight, n))
    s = torch.zeros(n, n)
    for i in range(n):
        js = member[:, i].nonzero().view(-1)
        q = pool.lin(x_pool[js].max(0).values)
        e = pool.att(torch.cat([q.expand(len(js), -1), x_pool[js]], -1)).view(-1)
        s[js, i] = torch.nn.functional.leaky_relu(e, 0.2).softmax(0)
    xc = s.t() @ x
    le = pool.gnn_score
    fit = torch.stack([le.lin3(xc[i]) + sum(le.lin1(xc[i]) - le.lin2(xc[j])
                                           for j in member[:, i].nonzero().view(-1))
                       for i in range(n)]).sigmoid().view(-1)
    return s, a, xc, fit


def _loops(edge_index, weight, n):
    from distgnn.utils import add_remaining_self_loops
    return add_remaining_self_loops(edge_index, weight, 1.0, n)


def test_asap_exported_and_repr():
    assert nn.ASAPooling is ASAPooling
    assert repr(ASAPooling(16)) == "ASAPooling(16, ratio=0.5)"
    assert repr(ASAPooling(16, ratio=3)) == "ASAPooling(16, ratio=3)"


@pytest.mark.parametrize("gnn", [None, GraphConv])
def test_asap_by_hand(gnn):
    torch.manual_seed(0)
    pool = ASAPooling(2, ratio=0.6, GNN=gnn)
    x, edge_index, edge_weight, batch, perm = pool(X, EDGE_INDEX)
    s, a, xc, fit = _dense_reference(pool, X, EDGE_INDEX)
    assert perm.tolist() == torch.argsort(fit, descending=True)[:3].tolist()
    assert torch.allclose(x, xc[perm] * fit[perm].view(-1, 1), atol=1e-6)
    coarse = s[:, perm].t() @ a @ s[:, perm]
    coarse.fill_diagonal_(0.0)
    dense = torch.zeros(3, 3)
    dense[edge_index[0], edge_index[1]] = edge_weight
    assert torch.allclose(dense, coarse, atol=1e-6)
    assert (edge_index[0] != edge_index[1]).all() and batch.tolist() == [0, 0, 0]


def test_asap_edge_weight_and_self_loops():
    torch.manual_seed(1)
    pool = ASAPooling(2, ratio=2, add_self_loops=True)
    weight = torch.tensor([0.5, 2.0, 1.0, 3.0, 1.5, 0.2, 1.0])
    x, edge_index, edge_weight, _, perm = pool(X, EDGE_INDEX, weight)
    s, a, _, _ = _dense_reference(pool, X, EDGE_INDEX, weight)
    coarse = s[:, perm].t() @ a @ s[:, perm]
    coarse.fill_diagonal_(1.0)
    dense = torch.zeros(2, 2)
    dense[edge_index[0], edge_index[1]] = edge_weight
    assert torch.allclose(dense, coarse, atol=1e-6)
    loops = edge_index[:, edge_index[0] == edge_index[1]]
    assert loops[0].tolist() == [0, 1] and edge_weight[edge_index[0] == edge_index[1]].tolist() \
        == [1.0, 1.0]


def test_asap_gradients_reach_attention_through_coarsening():
    pool = ASAPooling(2).double()
    x = X.double().requires_grad_()
    _, _, edge_weight, _, _ = pool(x, EDGE_INDEX)
    edge_weight.sum().backward()
    assert pool.att.weight.grad is not None and pool.att.weight.grad.abs().sum() > 0
    assert torch.autograd.gradcheck(lambda a: pool(a, EDGE_INDEX)[2], (x.detach().requires_grad_(),))


def test_asap_bad_input():
    with pytest.raises(ValueError, match="expected 2 input channels"):
        ASAPooling(2)(torch.randn(5, 3), EDGE_INDEX)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        ASAPooling(2, ratio=1.5)


def test_asap_matches_torch_geometric():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import ASAPooling as PyGASAPooling
    torch.manual_seed(0)
    x = torch.randn(12, 4)
    edge_index = torch.randint(0, 12, (2, 30))
    batch = torch.tensor([0] * 5 + [1] * 7)
    ours, ref = ASAPooling(4), PyGASAPooling(4)
    ref.load_state_dict(ours.state_dict(), strict=False)
    if hasattr(ref, "select"):  # 2.x ranks tanh(w * fitness): keep the order with w = 1
        ref.select.weight.data.fill_(1.0)
    # 2.x LEConv sends lin1(x_j) - lin2(x_i) where 1.7 sends lin1(x_i) - lin2(x_j)
    with torch.no_grad():
        ref.gnn_score.lin1.weight.copy_(-ours.gnn_score.lin2.weight)
        ref.gnn_score.lin2.weight.copy_(-ours.gnn_score.lin1.weight)
    weight = torch.rand(30)  # 2.x drops the coarse weights when none are given
    out, exp = ours(x, edge_index, weight, batch), ref(x, edge_index, weight, batch)
    assert torch.equal(out[4], exp[4])
    assert torch.allclose(out[0], exp[0], atol=1e-6)
    k = out[4].numel()
    dense_out, dense_exp = torch.zeros(k, k), torch.zeros(k, k)
    dense_out[out[1][0], out[1][1]] = out[2]
    dense_exp[exp[1][0], exp[1][1]] = exp[2]
    assert out[1].size(1) == exp[1].size(1)
    assert torch.allclose(dense_out, dense_exp, atol=1e-6)
