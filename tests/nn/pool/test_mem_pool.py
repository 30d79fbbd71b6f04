import math

import pytest
import torch

import distgnn.nn as nn
from distgnn.nn import MemPooling

X = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
KEYS = torch.tensor([[[0.0, 0.0], [1.0, 1.0]]])  # heads=1, K=2


def _pool(tau=1.0):
    pool = MemPooling(2, 3, heads=1, num_clusters=2, tau=tau)
    with torch.no_grad():
        pool.k.copy_(KEYS)
        pool.conv.weight.fill_(2.0)
    return pool


def _by_hand(pool, x, tau):
    rows = []
    for xi in x:
        d2 = [float(((xi - kj) ** 2).sum()) for kj in KEYS[0]]
        q = [(1 + d / tau) ** (-(1 + tau) / 2) for d in d2]
        s1 = torch.tensor([v / sum(q) for v in q])
        rows.append((2.0 * s1).softmax(0))  # 1x1 conv over the single head
    s = torch.stack(rows)
    return pool.lin(s.t() @ x), s


def test_mem_pool_exported_and_repr():
    assert nn.MemPooling is MemPooling
    assert repr(MemPooling(4, 8, heads=2, num_clusters=3)) == \
        "MemPooling(4, 8, heads=2, num_clusters=3)"


@pytest.mark.parametrize("tau", [1.0, 0.5])
def test_mem_pool_by_hand(tau):
    pool = _pool(tau)
    out, s = pool(X)
    ref_out, ref_s = _by_hand(pool, X, tau)
    assert out.shape == (1, 2, 3) and s.shape == (1, 3, 2)
    assert torch.allclose(s[0], ref_s, atol=1e-6)
    assert torch.allclose(out[0], ref_out, atol=1e-6)


def test_mem_pool_batch_vector_and_mask():
    pool = _pool()
    x = torch.cat([X, X[:2]])
    out, s = pool(x, torch.tensor([0, 0, 0, 1, 1]))
    assert out.shape == (2, 2, 3) and s.shape == (2, 3, 2)
    ref_out, ref_s = _by_hand(pool, X[:2], 1.0)
    assert torch.allclose(s[1, :2], ref_s, atol=1e-6) and s[1, 2].abs().sum() == 0
    assert torch.allclose(out[1], ref_out, atol=1e-6)
    dense = torch.stack([X, torch.cat([X[:2], torch.full((1, 2), 7.0)])])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    out_dense, s_dense = pool(dense, mask=mask)
    assert torch.allclose(s_dense, s, atol=1e-6)
    assert torch.allclose(out_dense, out, atol=1e-6)


def test_mem_pool_kl_loss_by_hand():
    S = torch.tensor([[[0.6, 0.4], [0.2, 0.8], [0.5, 0.5]]])
    col = S.sum(1)[0]  # [1.3, 1.7]
    loss = 0.0
    for i in range(3):
        num = [float(S[0, i, j]) ** 2 / float(col[j]) for j in range(2)]
        for j in range(2):
            p = num[j] / sum(num)
            loss += p * (math.log(p) - math.log(float(S[0, i, j])))
    assert math.isclose(MemPooling.kl_loss(S).item(), loss, rel_tol=1e-5)
    # padded rows (all-zero) add nothing
    padded = torch.cat([S, torch.zeros(1, 1, 2)], dim=1)
    assert math.isclose(MemPooling.kl_loss(padded).item(), loss, rel_tol=1e-5)


def test_mem_pool_gradcheck():
    pool = MemPooling(2, 2, heads=2, num_clusters=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: pool(a)[0], (x,))


def test_mem_pool_bad_input():
    with pytest.raises(ValueError, match="heads must be a positive int"):
        MemPooling(2, 2, heads=0, num_clusters=2)
    with pytest.raises(ValueError, match="with 2 channels"):
        _pool()(torch.randn(3, 4))


def test_mem_pool_matches_torch_geometric():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import MemPooling as PyGMemPooling
    torch.manual_seed(0)
    ours, ref = MemPooling(4, 5, heads=3, num_clusters=2), PyGMemPooling(4, 5, 3, 2)
    ref.load_state_dict(ours.state_dict())
    x, batch = torch.randn(9, 4), torch.tensor([0, 0, 0, 0, 1, 1, 2, 2, 2])
    out, exp = ours(x, batch), ref(x, batch)
    assert torch.allclose(out[0], exp[0], atol=1e-5) and torch.allclose(out[1], exp[1])
    assert torch.allclose(MemPooling.kl_loss(out[1]), ref.kl_loss(exp[1]), atol=1e-6)
