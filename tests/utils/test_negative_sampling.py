import pytest
import torch

from distgnn.utils import (batched_negative_sampling, negative_sampling,
                           structured_negative_sampling, structured_negative_sampling_feasible)


def _keys(ei, n):
    return set((ei[0] * n + ei[1]).tolist())


@pytest.mark.parametrize("method", ["sparse", "dense"])
def test_negative_sampling_never_returns_edges(method):
    torch.manual_seed(0)
    ei = torch.randint(0, 20, (2, 60))
    neg = negative_sampling(ei, 20, method=method)
    assert neg.size(1) == 60
    assert not (_keys(neg, 20) & _keys(ei, 20))
    assert bool((neg[0] != neg[1]).all())
    assert len(_keys(neg, 20)) == 60


def test_negative_sampling_caps_and_undirected():
    full = torch.tensor([[0, 0, 1, 1, 2], [1, 2, 0, 2, 0]])  # only (2, 1) missing
    for method in ("sparse", "dense"):
        neg = negative_sampling(full, 3, num_neg_samples=10, method=method)
        assert neg.tolist() == [[2], [1]]
    ei = torch.tensor([[0, 1], [1, 0]])
    neg = negative_sampling(ei, 4, num_neg_samples=6, force_undirected=True)
    assert neg.size(1) == 6 and _keys(neg, 4) == _keys(neg.flip(0), 4)
    assert not (_keys(neg, 4) & _keys(ei, 4))
    bip = negative_sampling(torch.tensor([[0, 1], [2, 0]]), (2, 3), num_neg_samples=4)
    assert bip.size(1) == 4 and int(bip[0].max()) < 2 and int(bip[1].max()) < 3
    assert not (_keys(bip, 3) & {2, 3})
    with pytest.raises(ValueError, match="method"):
        negative_sampling(ei, method="exact")


def test_batched_negative_sampling_stays_in_graph():
    torch.manual_seed(1)
    ei = torch.tensor([[0, 1, 2, 3, 4, 5], [1, 2, 0, 4, 5, 3]])
    batch = torch.tensor([0, 0, 0, 1, 1, 1])
    neg = batched_negative_sampling(ei, batch)
    assert neg.size(1) == 6
    assert bool((batch[neg[0]] == batch[neg[1]]).all())
    assert not (_keys(neg, 6) & _keys(ei, 6))


def test_structured_negative_sampling():
    torch.manual_seed(2)
    ei = torch.tensor([[0, 0, 1, 2, 2], [1, 2, 2, 0, 3]])
    i, j, k = structured_negative_sampling(ei, 5, contains_neg_self_loops=False)
    assert torch.equal(i, ei[0]) and torch.equal(j, ei[1])
    positives = _keys(ei, 5)
    for a, c in zip(i.tolist(), k.tolist()):
        assert a * 5 + c not in positives and a != c
    # node 0 can only pick 3 or 4
    assert set(k[:2].tolist()) <= {3, 4}
    assert structured_negative_sampling_feasible(ei, 5, False)
    star = torch.tensor([[0, 0], [1, 2]])
    assert not structured_negative_sampling_feasible(star, 3, False)
    with pytest.raises(ValueError, match="connected to every node"):
        structured_negative_sampling(star, 3, contains_neg_self_loops=False)
