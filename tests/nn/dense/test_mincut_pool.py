import math

import pytest
import torch

import distgnn.nn as nn
from distgnn.nn.dense import dense_mincut_pool

P = torch.tensor([[0.75, 0.25], [0.25, 0.75], [0.5, 0.5]])
S = P.log()  # softmax(S) == P
X = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
ADJ = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def test_mincut_pool_exported():
    assert nn.dense_mincut_pool is dense_mincut_pool


def test_mincut_pool_by_hand():
    out, out_adj, mincut_loss, ortho_loss = dense_mincut_pool(X, ADJ, S)
    assert torch.allclose(out[0], torch.tensor([[4.0, 5.5], [5.0, 6.5]]))
    # P^T A P = [[0.625, 1.125], [1.125, 1.125]]: zero diagonal, then D^-1/2 . D^-1/2
    assert torch.allclose(out_adj[0], torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    # Tr(P^T A P) = 1.75; Tr(P^T D P) = 1 * 0.625 + 2 * 0.625 + 1 * 0.5
    assert math.isclose(mincut_loss.item(), -1.75 / 2.375, rel_tol=1e-6)
    # P^T P = [[0.875, 0.625], [0.625, 0.875]]
    norm = math.sqrt(2 * 0.875 ** 2 + 2 * 0.625 ** 2)
    diag, off = 0.875 / norm - 1 / math.sqrt(2), 0.625 / norm
    assert math.isclose(ortho_loss.item(), math.sqrt(2 * diag ** 2 + 2 * off ** 2),
                        rel_tol=1e-6)


def test_mincut_pool_batch_mean_and_mask():
    x = torch.stack([X, torch.cat([X[:2], torch.full((1, 2), 9.0)])])
    adj = torch.stack([ADJ, torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    out, out_adj, mincut, ortho = dense_mincut_pool(x, adj, torch.stack([S, S]), mask)
    one = dense_mincut_pool(X, ADJ, S)
    two = dense_mincut_pool(X[:2], ADJ[:2, :2], S[:2])
    assert torch.allclose(out[1], two[0][0]) and torch.allclose(out_adj[1], two[1][0])
    assert math.isclose(mincut.item(), (one[2] + two[2]).item() / 2, rel_tol=1e-6)
    assert math.isclose(ortho.item(), (one[3] + two[3]).item() / 2, rel_tol=1e-6)


def test_mincut_pool_gradcheck():
    x = torch.randn(2, 4, 3, dtype=torch.double, requires_grad=True)
    adj = torch.rand(2, 4, 4, dtype=torch.double) + 0.1
    s = torch.randn(2, 4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: dense_mincut_pool(a, adj, b), (x, s))


def test_mincut_pool_bad_input():
    with pytest.raises(ValueError, match=r"mask must have shape"):
        dense_mincut_pool(X, ADJ, S, mask=torch.ones(1, 5, dtype=torch.bool))


def test_mincut_pool_matches_torch_geometric():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import dense_mincut_pool as ref_pool
    torch.manual_seed(0)
    x, adj, s = torch.randn(3, 5, 4), torch.rand(3, 5, 5), torch.randn(3, 5, 2)
    mask = torch.rand(3, 5) > 0.3
    mask[:, 0] = True
    for out, ref in zip(dense_mincut_pool(x, adj, s, mask), ref_pool(x, adj, s, mask)):
        assert torch.allclose(out, ref, atol=1e-5)
