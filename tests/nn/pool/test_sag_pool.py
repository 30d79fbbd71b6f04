import pytest
import torch

import distgnn.nn as nn
from distgnn.nn import GCNConv, SAGPooling

X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [2.0, 2.0], [0.5, -1.0]])
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 3, 3, 4], [1, 0, 2, 3, 4, 0, 3]])


def _graph_conv_score(pool, x):
    # GraphConv(2, 1): y_i = W_rel sum_{j -> i} x_j + b + W_root x_i
    agg = torch.stack([x[1] + x[3], x[0], x[1], x[2] + x[4], x[3]])
    return (pool.gnn.lin_l(agg) + pool.gnn.lin_r(x)).view(-1)


def test_sag_pool_exported_and_repr():
    assert nn.SAGPooling is SAGPooling
    assert repr(SAGPooling(16)) == "SAGPooling(GraphConv, 16, ratio=0.5, multiplier=1.0)"
    assert repr(SAGPooling(16, GNN=GCNConv, min_score=0.3)) == \
        "SAGPooling(GCNConv, 16, min_score=0.3, multiplier=1.0)"


def test_sag_pool_ratio_by_hand():
    torch.manual_seed(0)
    pool = SAGPooling(2, ratio=0.4)
    x, edge_index, edge_attr, batch, perm, score = pool(X, EDGE_INDEX)
    y = torch.tanh(_graph_conv_score(pool, X))
    expected = torch.argsort(y, descending=True)[:2]
    assert perm.tolist() == expected.tolist()
    assert torch.allclose(score, y[expected])
    assert torch.allclose(x, X[expected] * y[expected].view(-1, 1))
    assert edge_attr is None and batch.tolist() == [0, 0]
    kept = {int(v): i for i, v in enumerate(expected)}
    ref = [(kept[int(a)], kept[int(b)]) for a, b in EDGE_INDEX.t()
           if int(a) in kept and int(b) in kept]
    assert list(map(tuple, edge_index.t().tolist())) == ref


def test_sag_pool_min_score_by_hand():
    torch.manual_seed(1)
    pool = SAGPooling(2, min_score=0.15, multiplier=0.5)
    b = torch.tensor([0, 0, 0, 1, 1])
    x, _, _, batch, perm, score = pool(X, EDGE_INDEX, batch=b)
    raw = _graph_conv_score(pool, X)
    soft = torch.cat([raw[:3].softmax(0), raw[3:].softmax(0)])
    best = torch.cat([soft[:3].max().expand(3), soft[3:].max().expand(2)]) - 1e-7
    keep = (soft > best.clamp(max=0.15)).nonzero().view(-1)
    assert perm.tolist() == keep.tolist()
    assert torch.allclose(x, 0.5 * X[keep] * soft[keep].view(-1, 1))
    assert torch.allclose(score, soft[keep])


def test_sag_pool_gcn_kwargs_and_attn():
    pool = SAGPooling(2, ratio=2, GNN=GCNConv, add_self_loops=False)
    assert isinstance(pool.gnn, GCNConv) and pool.gnn.add_self_loops is False
    attn = torch.randn(5, 2)
    _, _, _, _, perm, score = pool(X, EDGE_INDEX, attn=attn)
    y = torch.tanh(pool.gnn(attn, EDGE_INDEX).view(-1))
    assert perm.tolist() == torch.argsort(y, descending=True)[:2].tolist()


def test_sag_pool_gradcheck():
    pool = SAGPooling(3).double()
    x = torch.randn(5, 3, dtype=torch.double, requires_grad=True)
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    assert torch.autograd.gradcheck(lambda a: pool(a, edge_index)[0], (x,))


def test_sag_pool_matches_torch_geometric():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import SAGPooling as PyGSAGPooling
    torch.manual_seed(0)
    x = torch.randn(12, 4)
    edge_index = torch.randint(0, 12, (2, 30))
    batch = torch.tensor([0] * 5 + [1] * 7)
    ours, ref = SAGPooling(4, ratio=0.5), PyGSAGPooling(4, ratio=0.5)
    # torch_geometric 2.x renamed GraphConv's lin_l / lin_r (1.7) to lin_rel / lin_root
    renamed = {"lin_l": "lin_rel", "lin_r": "lin_root"}
    ref.gnn.load_state_dict({renamed[k.split(".")[0]] + k[k.index("."):]: v
                             for k, v in ours.gnn.state_dict().items()})
    if hasattr(ref, "select"):  # 2.x rescales the GNN score by a learned scalar
        ref.select.weight.data.fill_(1.0)
    out, exp = ours(x, edge_index, batch=batch), ref(x, edge_index, batch=batch)
    assert torch.equal(out[4], exp[4])
    assert torch.allclose(out[0], exp[0], atol=1e-6)
    assert torch.equal(out[1], exp[1])
