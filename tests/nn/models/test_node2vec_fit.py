"""Node2Vec.fit: word2vec's trainer on the model's own table."""
import numpy as np
import pytest
import torch

from distgnn.nn import Node2Vec
from distgnn.nn.models.node2vec import fit_epochs


def _two_communities(n=40):
    g = torch.Generator().manual_seed(0)
    a = torch.rand(n, n, generator=g)
    same = (torch.arange(n) < n // 2).view(-1, 1) == (torch.arange(n) < n // 2).view(1, -1)
    adj = torch.triu(a < torch.where(same, 0.4, 0.02), 1)
    adj = adj | adj.t()
    return adj.nonzero().t()


def test_fit_trains_the_model_table_in_place():
    torch.manual_seed(0)
    model = Node2Vec(_two_communities(), 16, walk_length=20, context_size=6, walks_per_node=10)
    keys = list(model.state_dict())
    weight = model.embedding.weight
    out = model.fit(epochs=2, threads=1)
    assert out is model and model.embedding.weight is weight and list(model.state_dict()) == keys
    z = torch.nn.functional.normalize(model().detach(), dim=1)
    sim = z @ z.t()
    same = (torch.arange(40) < 20).view(-1, 1) == (torch.arange(40) < 20).view(1, -1)
    assert sim[same].mean() > sim[~same].mean() + 0.3


def test_fit_is_reproducible_and_continues():
    edge_index = _two_communities()
    tables = []
    for _ in range(2):
        torch.manual_seed(3)
        model = Node2Vec(edge_index, 8, walk_length=10, context_size=4)
        tables.append(model.fit(threads=1).embedding.weight.detach().clone())
    torch.testing.assert_close(tables[0], tables[1], rtol=0, atol=0)
    model.fit(threads=1)  # a second fit keeps training the same tables
    assert not torch.equal(model.embedding.weight, tables[1])


def test_fit_keep_starts_from_the_current_table_and_records_epochs():
    torch.manual_seed(0)
    model = Node2Vec(_two_communities(), 8, walk_length=10, context_size=4)
    with torch.no_grad():
        model.embedding.weight.fill_(0.01)
    seen = []
    model.fit(epochs=3, init="keep", with_loss=True, on_epoch=seen.append, threads=1)
    assert [s.epoch for s in seen] == [0, 1, 2] and all(s.pairs > 0 for s in seen)
    assert np.isfinite(seen[-1].loss) and seen[-1].loss < seen[0].loss


def test_fit_option_errors_name_expected_and_got():
    model = Node2Vec(_two_communities(), 8, walk_length=10, context_size=4)
    with pytest.raises(TypeError, match=r"unknown trainer options \['negatives'\]"):
        model.fit(negatives=5)
    with pytest.raises(ValueError, match="epochs must be an int >= 1 or None, got 0"):
        model.fit(epochs=0)
    with pytest.raises(ValueError, match="init must be 'word2vec' or 'keep', got 'zeros'"):
        model.fit(init="zeros")


#: Logistic-regression test accuracy floor on Cora after the fixed run below
#: (one epoch of 10 walks of 40 steps per node, fit's defaults (1 negative): measured
#: 0.713 and 0.708 at seeds 0 and 1; 5 negatives gave 0.705 +- 0.008; the floor is ~4
#: standard errors of a 1000-node test set below).
CORA_FLOOR = 0.65


@pytest.mark.slow
def test_cora_accuracy_after_one_fit_epoch(cora_root):
    pytest.importorskip("sklearn")
    from distgnn.data.planetoid import read_planetoid_data
    data = read_planetoid_data(cora_root, "cora")
    torch.manual_seed(0)
    model = Node2Vec(data.edge_index, embedding_dim=128, walk_length=40, context_size=11,
                     walks_per_node=10, num_nodes=data.num_nodes)
    z = model.fit(epochs=1).embedding.weight.detach()
    acc = model.test(z[data.train_mask], data.y[data.train_mask], z[data.test_mask],
                     data.y[data.test_mask], max_iter=300)
    assert acc >= CORA_FLOOR, acc


def test_default_epochs_reach_the_visits_per_node():
    assert [fit_epochs(w, l) for w, l in [(10, 20), (1, 80), (4, 20), (10, 80), (1, 5)]] == \
        [3, 8, 8, 1, 100]
    model = Node2Vec(_two_communities(), 8, walk_length=9, context_size=4, walks_per_node=2)
    seen = []
    model.fit(on_epoch=seen.append, threads=1)
    assert len(seen) == fit_epochs(2, 9) == 30


#: fit() with its defaults on Cora and the 1.7 example's walks (10 of 20 steps, window 10,
#: dim 128): 3 default epochs gave 0.704/0.696/0.713 at seeds 0/1/2; the issue's floor
CORA_DEFAULT_FLOOR = 0.70


@pytest.mark.slow
def test_cora_accuracy_with_fit_defaults(cora_root):
    pytest.importorskip("sklearn")
    from distgnn.data.planetoid import read_planetoid_data
    data = read_planetoid_data(cora_root, "cora")
    torch.manual_seed(0)
    model = Node2Vec(data.edge_index, embedding_dim=128, walk_length=20, context_size=10,
                     walks_per_node=10, num_nodes=data.num_nodes)
    z = model.fit().embedding.weight.detach()
    acc = model.test(z[data.train_mask], data.y[data.train_mask], z[data.test_mask],
                     data.y[data.test_mask], max_iter=300)
    assert acc >= CORA_DEFAULT_FLOOR, acc
