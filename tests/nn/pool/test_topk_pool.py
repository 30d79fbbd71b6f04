import math

import pytest
import torch

import distgnn.nn as nn
from distgnn.nn import TopKPooling

X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [2.0, 2.0], [0.5, -1.0]])
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 3, 3, 4], [1, 0, 2, 3, 4, 0, 3]])
EDGE_ATTR = torch.arange(7.0).view(-1, 1)


def _pool(**kwargs):
    pool = TopKPooling(2, **kwargs)
    with torch.no_grad():
        pool.weight.copy_(torch.tensor([[1.0, 2.0]]))
    return pool


def test_topk_pool_exported_and_repr():
    assert nn.TopKPooling is TopKPooling
    assert repr(TopKPooling(16)) == "TopKPooling(16, ratio=0.5, multiplier=1.0)"
    assert repr(TopKPooling(16, min_score=0.2, multiplier=2)) == \
        "TopKPooling(16, min_score=0.2, multiplier=2)"


def test_topk_pool_ratio_by_hand():
    pool = _pool(ratio=0.5)
    x, edge_index, edge_attr, batch, perm, score = pool(X, EDGE_INDEX, EDGE_ATTR)
    # y = X p / |p| = [1, 2, 3, 6, -1.5] / sqrt(5); keep ceil(2.5) = 3 best: 3, 2, 1
    y = torch.tensor([1.0, 2.0, 3.0, 6.0, -1.5]) / math.sqrt(5.0)
    assert perm.tolist() == [3, 2, 1]
    assert torch.allclose(score, torch.tanh(y[[3, 2, 1]]))
    assert torch.allclose(x, X[[3, 2, 1]] * torch.tanh(y[[3, 2, 1]]).view(-1, 1))
    # kept edges 1->2 (attr 2) and 2->3 (attr 3), relabelled 3->0, 2->1, 1->2
    assert edge_index.tolist() == [[2, 1], [1, 0]]
    assert edge_attr.view(-1).tolist() == [2.0, 3.0]
    assert batch.tolist() == [0, 0, 0]


def test_topk_pool_min_score_and_multiplier_by_hand():
    pool = _pool(min_score=0.1, multiplier=2.0)
    b = torch.tensor([0, 0, 0, 1, 1])
    x, edge_index, _, batch, perm, score = pool(X, EDGE_INDEX, batch=b)
    raw = torch.tensor([1.0, 2.0, 3.0, 6.0, -1.5])
    soft = torch.cat([raw[:3].softmax(0), raw[3:].softmax(0)])
    keep = [i for i in range(5) if soft[i] > 0.1]
    assert perm.tolist() == keep == [1, 2, 3]
    assert torch.allclose(x, 2.0 * X[keep] * soft[keep].view(-1, 1))
    assert batch.tolist() == [0, 0, 1]
    assert edge_index.tolist() == [[0, 1], [1, 2]]


def test_topk_pool_attn_and_int_ratio():
    pool = _pool(ratio=2)
    attn = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [5.0, 5.0]])
    x, _, _, _, perm, _ = pool(X, EDGE_INDEX, attn=attn)
    assert perm.tolist() == [4, 1]


def test_topk_pool_gradcheck():
    pool = TopKPooling(3).double()
    x = torch.randn(5, 3, dtype=torch.double, requires_grad=True)
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    assert torch.autograd.gradcheck(lambda a: pool(a, edge_index)[0], (x,))


def test_topk_pool_bad_input():
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        TopKPooling(4, ratio=2.5)
    with pytest.raises(ValueError, match="expected 2 input channels"):
        _pool()(torch.randn(5, 3), EDGE_INDEX)
    with pytest.raises(ValueError, match="one entry per node"):
        _pool()(X, EDGE_INDEX, batch=torch.zeros(3, dtype=torch.long))


def test_topk_pool_matches_torch_geometric():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import TopKPooling as PyGTopKPooling
    torch.manual_seed(0)
    x = torch.randn(12, 4)
    edge_index = torch.randint(0, 12, (2, 30))
    batch = torch.tensor([0] * 5 + [1] * 7)
    for kwargs in ({"ratio": 0.5}, {"min_score": 0.1}):
        ours, ref = TopKPooling(4, **kwargs), PyGTopKPooling(4, **kwargs)
        ref.select.weight.data.copy_(ours.weight.data.view(-1))
        out, exp = ours(x, edge_index, batch=batch), ref(x, edge_index, batch=batch)
        assert torch.equal(out[4], exp[4])
        assert torch.allclose(out[0], exp[0], atol=1e-6)
        assert torch.equal(out[1], exp[1]) and torch.equal(out[3], exp[3])
