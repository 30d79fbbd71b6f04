import pytest
import torch

import distgnn.nn as nn
from distgnn.nn import PANConv, PANPooling
from distgnn.typing import SparseTensor

X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [2.0, 2.0]])
# M target x source: entries (target, source, value)
ROW = torch.tensor([0, 1, 1, 2, 3, 3])
COL = torch.tensor([1, 0, 2, 1, 2, 0])
VAL = torch.tensor([0.5, 1.0, 2.0, 0.25, 3.0, 1.5])
M = SparseTensor(row=ROW, col=COL, value=VAL, sparse_sizes=(4, 4))


def test_pan_pool_exported_and_repr():
    assert nn.PANPooling is PANPooling
    assert repr(PANPooling(16)) == "PANPooling(16, ratio=0.5, multiplier=1.0)"
    assert repr(PANPooling(16, min_score=0.1)) == \
        "PANPooling(16, min_score=0.1, multiplier=1.0)"


def test_pan_pool_by_hand():
    pool = PANPooling(2)
    x, edge_index, edge_attr, batch, perm, score = pool(X, M)
    # score = 0.5 * (x . 1) + 0.5 * (sum of M over the paths leaving a node)
    deg = torch.tensor([1.0 + 1.5, 0.5 + 0.25, 2.0 + 3.0, 0.0])
    y = torch.tanh(0.5 * X.sum(1) + 0.5 * deg)  # [1.75, 0.875, 3., 2.] before tanh
    assert perm.tolist() == [2, 3]
    assert torch.allclose(score, y[[2, 3]])
    assert torch.allclose(x, X[[2, 3]] * y[[2, 3]].view(-1, 1))
    # source->target edges between kept nodes 2, 3: 2 -> 3 (value 3)
    assert edge_index.tolist() == [[0], [1]] and edge_attr.tolist() == [3.0]
    assert batch.tolist() == [0, 0]


def test_pan_pool_min_score_and_batch():
    pool = PANPooling(2, min_score=0.3, multiplier=2.0)
    batch = torch.tensor([0, 0, 1, 1])
    x, _, _, out_batch, perm, score = pool(X, M, batch)
    deg = torch.tensor([2.5, 0.75, 5.0, 0.0])
    raw = 0.5 * X.sum(1) + 0.5 * deg
    soft = torch.cat([raw[:2].softmax(0), raw[2:].softmax(0)])
    keep = (soft > 0.3).nonzero().view(-1)
    assert perm.tolist() == keep.tolist()
    assert torch.allclose(x, 2.0 * X[keep] * soft[keep].view(-1, 1))
    assert out_batch.tolist() == batch[keep].tolist()


def test_pan_pool_after_pan_conv_and_gradients():
    torch.manual_seed(0)
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    conv, pool = PANConv(2, 3, filter_size=2), PANPooling(3, ratio=0.5)
    out, m = conv(X, edge_index)
    x, new_edge_index, edge_attr, _, perm, _ = pool(out, m)
    assert x.shape == (2, 3) and new_edge_index.size(1) == edge_attr.numel()
    (x.sum() + edge_attr.sum()).backward()
    assert pool.p.grad is not None and pool.beta.grad is not None
    assert conv.weight.grad is not None


def test_pan_pool_gradcheck():
    pool = PANPooling(2).double()
    m = SparseTensor(row=ROW, col=COL, value=VAL.double(), sparse_sizes=(4, 4))
    x = X.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda a: pool(a, m)[0], (x,))


def test_pan_pool_bad_input():
    with pytest.raises(ValueError, match=r"SparseTensor"):
        PANPooling(2)(X, torch.zeros(2, 6, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape \[N, 3\]"):
        PANPooling(3)(X, M)


def test_pan_pool_matches_torch_geometric():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import PANPooling as PyGPANPooling
    ours, ref = PANPooling(2), PyGPANPooling(2)
    ref.load_state_dict(ours.state_dict(), strict=False)
    if hasattr(ref, "select"):
        ref.select.weight.data.fill_(1.0)
    out, exp = ours(X, M), ref(X, M)
    assert torch.equal(out[4], exp[4])
    assert torch.allclose(out[0], exp[0], atol=1e-6)
    assert torch.equal(out[1], exp[1]) and torch.allclose(out[2], exp[2])
