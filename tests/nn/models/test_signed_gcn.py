"""SignedGCN: forward composition, losses by hand, spectral features, training."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import distgnn.nn.models.signed_gcn as signed_gcn_module
from distgnn.nn import SignedGCN

POS = torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2]])
NEG = torch.tensor([[0, 2, 1, 3], [2, 0, 3, 1]])


def test_forward_is_relu_of_stacked_signed_convs():
    torch.manual_seed(0)
    model = SignedGCN(3, 8, num_layers=2)
    assert repr(model) == "SignedGCN(3, 8, num_layers=2)"
    x = torch.randn(4, 3)
    z = F.relu(model.conv1(x, POS, NEG))
    z = F.relu(model.convs[0](z, POS, NEG))
    assert torch.allclose(model(x, POS, NEG), z)
    assert z.shape == (4, 8)


def test_discriminate_by_hand():
    torch.manual_seed(0)
    model = SignedGCN(3, 4, num_layers=1)
    z = torch.randn(4, 4)
    edge_index = torch.tensor([[0, 3], [2, 1]])
    logits = torch.cat([z[[0, 3]], z[[2, 1]]], 1) @ model.lin.weight.t() + model.lin.bias
    assert torch.allclose(model.discriminate(z, edge_index), logits.log_softmax(1), atol=1e-6)


def test_embedding_losses_and_total_by_hand(monkeypatch):
    torch.manual_seed(0)
    model = SignedGCN(3, 4, num_layers=1, lamb=2)
    z = torch.tensor([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [0.0, 2.0]])
    table = torch.tensor([3, 2, 0, 1])  # the 'sampled' non-neighbour k of each source i
    monkeypatch.setattr(signed_gcn_module, "structured_negative_sampling",
                        lambda ei, n: (ei[0], ei[1], table[ei[0]]))
    edge_index = torch.tensor([[0, 1], [1, 3]])
    # pos: max(0, |zi-zj|^2 - |zi-zk|^2): (1 - 4) -> 0 ; (1+4=5 - 4) = 1 -> mean 0.5
    assert model.pos_embedding_loss(z, edge_index).item() == pytest.approx(0.5)
    # neg: max(0, |zi-zk|^2 - |zi-zj|^2): (4 - 1) = 3 ; (4 - 5) -> 0 -> mean 1.5
    assert model.neg_embedding_loss(z, edge_index).item() == pytest.approx(1.5)
    none = torch.tensor([[0], [3]])
    monkeypatch.setattr(signed_gcn_module, "negative_sampling", lambda ei, n: none)
    zz = torch.randn(4, 4)
    nll = (F.nll_loss(model.discriminate(zz, POS), torch.zeros(4, dtype=torch.long))
           + F.nll_loss(model.discriminate(zz, NEG), torch.ones(4, dtype=torch.long))
           + F.nll_loss(model.discriminate(zz, none), torch.full((1,), 2))) / 3
    assert torch.allclose(model.nll_loss(zz, POS, NEG), nll)
    total = nll + 2 * (model.pos_embedding_loss(zz, POS) + model.neg_embedding_loss(zz, NEG))
    assert torch.allclose(model.loss(zz, POS, NEG), total)


def test_split_edges():
    torch.manual_seed(0)
    model = SignedGCN(3, 4, 1)
    edge_index = torch.randint(0, 10, (2, 20))
    train, test = model.split_edges(edge_index, test_ratio=0.25)
    assert train.size(1) == 15 and test.size(1) == 5
    both = torch.cat([train, test], 1)
    keys = lambda ei: sorted((ei[0] * 10 + ei[1]).tolist())  # noqa: E731
    assert keys(both) == keys(edge_index)


@pytest.mark.parametrize("k", [2, 5])
def test_spectral_features_span_leading_singular_vectors(k):
    pytest.importorskip("scipy")
    torch.manual_seed(0)
    n = 6
    pos = torch.tensor([[0, 1, 2, 3], [1, 2, 0, 4]])
    neg = torch.tensor([[0, 4, 5], [3, 5, 2]])
    model = SignedGCN(k, 4, 1)
    x = model.create_spectral_features(pos, neg, num_nodes=n)
    assert x.shape == (n, k) and x.dtype == torch.float
    A = np.zeros((n, n))
    A[pos[0], pos[1]] = A[pos[1], pos[0]] = 1
    A[neg[0], neg[1]] = A[neg[1], neg[0]] = -1
    _, s, vt = np.linalg.svd(A)
    # x's columns are orthonormal and lie in the span of the top-k right singular vectors
    xn = x.double().numpy()
    assert np.allclose(xn.T @ xn, np.eye(k), atol=1e-5)
    top = vt[:k].T
    assert np.allclose(top @ (top.T @ xn), xn, atol=1e-4) or s[k - 1] == pytest.approx(s[k])
    with pytest.raises(ValueError, match=r"in_channels \(7\) must not exceed the number of "
                                         r"nodes \(6\)"):
        SignedGCN(7, 4, 1).create_spectral_features(pos, neg, num_nodes=6)


def test_training_on_trusted_and_distrusted_nodes_and_test_scores():
    pytest.importorskip("sklearn")
    pytest.importorskip("scipy")
    torch.manual_seed(0)
    n = 30
    trusted = torch.arange(n) % 2 == 0  # links into trusted nodes are positive
    row, col = torch.randint(0, n, (2, 200))
    keep = row != col
    row, col = row[keep], col[keep]
    same = trusted[col]
    pos = torch.stack([row[same], col[same]])
    neg = torch.stack([row[~same], col[~same]])
    model = SignedGCN(8, 16, num_layers=2, lamb=5)
    train_pos, test_pos = model.split_edges(pos)
    train_neg, test_neg = model.split_edges(neg)
    x = model.create_spectral_features(train_pos, train_neg, num_nodes=n)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    for _ in range(60):
        opt.zero_grad()
        z = model(x, train_pos, train_neg)
        model.loss(z, train_pos, train_neg).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        z = model(x, train_pos, train_neg)
    auc, f1 = model.test(z, test_pos, test_neg)
    assert auc > 0.8 and f1 > 0.8, (auc, f1)
