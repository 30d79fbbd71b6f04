import torch

from distgnn.nn import (GlobalAttention, Set2Set, global_add_pool, global_max_pool,
                        global_mean_pool, global_sort_pool)

X = torch.tensor([[1.0, 2.0], [3.0, -1.0], [5.0, 0.0], [-2.0, 4.0], [0.0, 1.0]])
BATCH = torch.tensor([0, 0, 1, 1, 1])


def test_add_mean_max_by_hand():
    assert global_add_pool(X, BATCH).tolist() == [[4.0, 1.0], [3.0, 5.0]]
    assert torch.allclose(global_mean_pool(X, BATCH), torch.tensor([[2.0, 0.5], [1.0, 5.0 / 3.0]]))
    assert global_max_pool(X, BATCH).tolist() == [[3.0, 2.0], [5.0, 4.0]]
    assert global_add_pool(X, None).tolist() == [[7.0, 6.0]]
    assert global_mean_pool(X, BATCH, size=3)[2].tolist() == [0.0, 0.0]


def test_pooling_is_permutation_invariant():
    perm = torch.tensor([4, 2, 0, 3, 1])
    for pool in (global_add_pool, global_mean_pool, global_max_pool):
        assert torch.allclose(pool(X[perm], BATCH[perm]), pool(X, BATCH))


def test_global_sort_pool_by_hand():
    out = global_sort_pool(X, BATCH, k=2)
    # graph 0 sorted by last channel desc: [1, 2], [3, -1]; graph 1: [-2, 4], [0, 1]
    assert out.tolist() == [[1.0, 2.0, 3.0, -1.0], [-2.0, 4.0, 0.0, 1.0]]
    padded = global_sort_pool(X, BATCH, k=4)
    assert padded.shape == (2, 8) and padded[0, 4:].abs().sum() == 0


def test_global_attention_softmax_weights():
    gate = torch.nn.Linear(2, 1)
    pool = GlobalAttention(gate)
    out = pool(X, BATCH)
    scores = gate(X).view(-1)
    w0 = torch.softmax(scores[:2], 0)
    assert torch.allclose(out[0], (w0.view(-1, 1) * X[:2]).sum(0), atol=1e-6)
    perm = torch.tensor([4, 2, 0, 3, 1])
    assert torch.allclose(pool(X[perm], BATCH[perm]), out, atol=1e-6)


def test_set2set_shape_and_invariance():
    torch.manual_seed(0)
    s2s = Set2Set(2, processing_steps=3)
    assert repr(s2s) == "Set2Set(2, 4)"
    out = s2s(X, BATCH)
    assert out.shape == (2, 4)
    perm = torch.tensor([4, 2, 0, 3, 1])
    assert torch.allclose(s2s(X[perm], BATCH[perm]), out, atol=1e-6)
    # r_T is a convex combination of each graph's nodes
    r = out[:, 2:]
    assert torch.all(r[0] <= X[:2].max(0).values + 1e-6)
