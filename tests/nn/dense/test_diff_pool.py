import math

import pytest
import torch

import distgnn.nn as nn
from distgnn.nn.dense import dense_diff_pool

P = torch.tensor([[0.75, 0.25], [0.25, 0.75], [0.5, 0.5]])
S = P.log()  # softmax(S) == P
X = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
ADJ = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def test_diff_pool_exported():
    assert nn.dense_diff_pool is dense_diff_pool


def test_diff_pool_by_hand():
    out, out_adj, link_loss, ent_loss = dense_diff_pool(X, ADJ, S)
    assert out.shape == (1, 2, 2) and out_adj.shape == (1, 2, 2)
    assert torch.allclose(out[0], torch.tensor([[4.0, 5.5], [5.0, 6.5]]))
    assert torch.allclose(out_adj[0], torch.tensor([[0.625, 1.125], [1.125, 1.125]]))
    # A - P P^T has four entries of +-0.625 and five of +-0.5
    assert math.isclose(link_loss.item(), math.sqrt(4 * 0.625 ** 2 + 5 * 0.25) / 9,
                        rel_tol=1e-6)
    h = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert math.isclose(ent_loss.item(), (2 * h + math.log(2)) / 3, rel_tol=1e-6)


def test_diff_pool_mask_ignores_padding():
    x = torch.stack([X, torch.cat([X[:2], torch.full((1, 2), 9.0)])])
    adj = torch.stack([ADJ, torch.tensor([[0.0, 1.0, 5.0], [1.0, 0.0, 5.0], [5.0, 5.0, 0.0]])])
    s = torch.stack([S, S])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    out, out_adj, _, _ = dense_diff_pool(x, adj, s, mask)
    ref, ref_adj, _, _ = dense_diff_pool(X[:2], ADJ[:2, :2], S[:2])
    assert torch.allclose(out[1], ref[0]) and torch.allclose(out_adj[1], ref_adj[0])
    assert torch.allclose(out[0], torch.tensor([[4.0, 5.5], [5.0, 6.5]]))


def test_diff_pool_gradcheck():
    x = torch.randn(2, 4, 3, dtype=torch.double, requires_grad=True)
    adj = torch.rand(2, 4, 4, dtype=torch.double)
    s = torch.randn(2, 4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: dense_diff_pool(a, adj, b), (x, s))


def test_diff_pool_bad_input():
    with pytest.raises(ValueError, match=r"s must have shape \[B, N, C\]"):
        dense_diff_pool(X, ADJ, torch.randn(4, 2))
    with pytest.raises(ValueError, match="adj is 2x2"):
        dense_diff_pool(X, ADJ[:2, :2], S)


def test_diff_pool_matches_torch_geometric():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import dense_diff_pool as ref_pool
    torch.manual_seed(0)
    x, adj, s = torch.randn(3, 5, 4), torch.rand(3, 5, 5), torch.randn(3, 5, 2)
    mask = torch.rand(3, 5) > 0.3
    for out, ref in zip(dense_diff_pool(x, adj, s, mask), ref_pool(x, adj, s, mask)):
        assert torch.allclose(out, ref, atol=1e-6)
