import pytest
import torch

import distgnn.nn as nn
from distgnn.nn import EdgePooling
from distgnn.nn.pool import edge_pool as edge_pool_module

X = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])


def _identity(raw, edge_index, num_nodes):
    return raw


def _sum_pool(**kwargs):
    pool = EdgePooling(1, edge_score_method=_identity, add_to_edge_score=0.0, **kwargs)
    with torch.no_grad():
        pool.lin.weight.fill_(1.0)
        pool.lin.bias.zero_()
    return pool


def _reference_greedy(edge_index, score, n):
    free, chosen = [True] * n, []
    score = score.detach()
    order = sorted(range(score.numel()), key=lambda e: (-float(score[e]), e))
    for e in order:
        u, v = int(edge_index[0, e]), int(edge_index[1, e])
        if free[u] and free[v]:
            free[u] = free[v] = False
            chosen.append(e)
    return chosen, [v for v in range(n) if free[v]]


def test_edge_pool_exported_and_repr():
    assert nn.EdgePooling is EdgePooling
    assert repr(EdgePooling(16)) == "EdgePooling(16)"
    assert EdgePooling.unpool_description._fields == (
        "edge_index", "cluster", "batch", "new_edge_score")


def test_edge_pool_by_hand():
    # score(u, v) = x_u + x_v: 2-3 (7) is contracted first, then 0-1 (3)
    pool = _sum_pool()
    x, edge_index, batch, info = pool(X, EDGE_INDEX, torch.zeros(4, dtype=torch.long))
    assert info.cluster.tolist() == [1, 1, 0, 0]
    assert x.view(-1).tolist() == [(3.0 + 4.0) * 7.0, (1.0 + 2.0) * 3.0]
    assert edge_index.tolist() == [[0, 0, 1, 1], [0, 1, 0, 1]]
    assert batch.tolist() == [0, 0]
    assert info.new_edge_score.tolist() == [7.0, 3.0]
    ux, u_edge_index, u_batch = pool.unpool(x, info)
    assert ux.view(-1).tolist() == [3.0, 3.0, 7.0, 7.0]
    assert torch.equal(u_edge_index, EDGE_INDEX) and u_batch.tolist() == [0, 0, 0, 0]


def test_edge_pool_unmatched_nodes_keep_features():
    pool = _sum_pool()
    x = torch.tensor([[1.0], [5.0], [2.0], [0.5], [9.0]])
    edge_index = torch.tensor([[0, 1, 1, 3], [1, 2, 3, 4]])  # 3-4 (9.5), then 1-2 (7)
    batch = torch.tensor([0, 0, 0, 1, 1])
    out, new_edge_index, new_batch, info = pool(x, edge_index, batch)
    assert info.cluster.tolist() == [2, 1, 1, 0, 0]
    assert out.view(-1).tolist() == [9.5 * 9.5, 7.0 * 7.0, 1.0]
    assert new_batch.tolist() == [1, 0, 0]
    assert new_edge_index.tolist() == [[0, 1, 1, 2], [0, 0, 1, 1]]


def test_edge_pool_default_softmax_score():
    torch.manual_seed(0)
    pool = EdgePooling(3)
    x = torch.randn(4, 3)
    raw = pool.lin(torch.cat([x[EDGE_INDEX[0]], x[EDGE_INDEX[1]]], -1)).view(-1)
    score = torch.empty_like(raw)
    for v in range(4):
        m = EDGE_INDEX[1] == v
        score[m] = raw[m].softmax(0)
    score = score + 0.5
    chosen, rest = _reference_greedy(EDGE_INDEX, score, 4)
    _, _, _, info = pool(x, EDGE_INDEX, torch.zeros(4, dtype=torch.long))
    assert torch.allclose(info.new_edge_score,
                          torch.cat([score[chosen], torch.ones(len(rest))]))


@pytest.mark.parametrize("max_rounds", [1, 64])
def test_edge_pool_matching_equals_sequential_greedy(monkeypatch, max_rounds):
    monkeypatch.setattr(edge_pool_module, "_MAX_ROUNDS", max_rounds)
    torch.manual_seed(2)
    for _ in range(5):
        n = 30
        edge_index = torch.randint(0, n, (2, 90))
        score = torch.rand(90)
        score[::7] = 0.5  # ties resolved by edge order
        chosen, rest = _reference_greedy(edge_index, score, n)
        ids, free = edge_pool_module._greedy_matching(edge_index, score, n)
        assert ids.tolist() == chosen
        assert free.nonzero().view(-1).tolist() == rest


def test_edge_pool_chain_of_ordered_scores():
    # a path whose scores grow along it needs one round per edge: sequential tail
    n = 300
    edge_index = torch.stack([torch.arange(n - 1), torch.arange(1, n)])
    score = torch.arange(n - 1, dtype=torch.float)
    chosen, rest = _reference_greedy(edge_index, score, n)
    ids, free = edge_pool_module._greedy_matching(edge_index, score, n)
    assert ids.tolist() == chosen and free.nonzero().view(-1).tolist() == rest


def test_edge_pool_gradient_reaches_scores():
    pool = EdgePooling(2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    out = pool(x, EDGE_INDEX, torch.zeros(4, dtype=torch.long))[0]
    out.sum().backward()
    assert pool.lin.weight.grad is not None and x.grad is not None
    # the merge is piecewise smooth: gradcheck at a fixed matching
    assert torch.autograd.gradcheck(
        lambda a: pool(a, EDGE_INDEX, torch.zeros(4, dtype=torch.long))[0], (x,))


def test_edge_pool_bad_input():
    with pytest.raises(ValueError, match=r"shape \[N, 3\]"):
        EdgePooling(3)(torch.randn(4, 2), EDGE_INDEX, None)


def test_edge_pool_matches_torch_geometric():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import EdgePooling as PyGEdgePooling
    torch.manual_seed(0)
    x = torch.randn(20, 4)
    edge_index = torch.randint(0, 20, (2, 50))
    batch = torch.zeros(20, dtype=torch.long)
    ours, ref = EdgePooling(4), PyGEdgePooling(4)
    ref.load_state_dict(ours.state_dict())
    out, exp = ours(x, edge_index, batch), ref(x, edge_index, batch)
    assert torch.allclose(out[0], exp[0], atol=1e-6)
    assert torch.equal(out[1], exp[1]) and torch.equal(out[2], exp[2])
    assert torch.equal(out[3].cluster, exp[3].cluster)
