"""MetaPath2Vec: typed walks, offsets, dummy node, negative windows, loss, training."""
import pytest
import torch

from distgnn.nn import MetaPath2Vec

WRITES = ("author", "writes", "paper")
WRITTEN_BY = ("paper", "written_by", "author")


def _graph():
    # authors 0-2 write papers 0-1; author 3 writes nothing; paper 2 has author 2.
    writes = torch.tensor([[0, 1, 1, 2, 2], [0, 0, 1, 1, 2]])
    return {WRITES: writes, WRITTEN_BY: writes.flip(0)}


def test_offsets_forward_and_repr():
    model = MetaPath2Vec(_graph(), 8, [WRITES, WRITTEN_BY], walk_length=4, context_size=3,
                         num_nodes_dict={"author": 4, "paper": 3})
    assert model.start == {"author": 0, "paper": 4} and model.dummy_idx == 7
    assert repr(model) == "MetaPath2Vec(7, 8)"
    assert model.offset.tolist() == [0, 4, 0, 4, 0]
    assert torch.equal(model("paper"), model.embedding.weight[4:7])
    assert torch.equal(model("author", torch.tensor([3, 1])), model.embedding.weight[[3, 1]])
    with pytest.raises(KeyError, match="unknown node type 'venue'"):
        model("venue")


def test_pos_sample_follows_typed_edges_and_pads_with_dummy():
    torch.manual_seed(0)
    graph = _graph()
    model = MetaPath2Vec(graph, 8, [WRITES, WRITTEN_BY], walk_length=4, context_size=5,
                         walks_per_node=3, num_nodes_dict={"author": 4, "paper": 3})
    rw = model.pos_sample(torch.tensor([0, 1, 2, 3]))
    assert rw.shape == (12, 5)
    writes = {(a, p) for a, p in graph[WRITES].t().tolist()}
    for walk in rw.tolist():
        if walk[0] == 3:  # isolated author: the rest of the walk is the dummy node
            assert walk[1:] == [7, 7, 7, 7]
            continue
        authors, papers = walk[0::2], [p - 4 for p in walk[1::2]]
        assert all((a, p) in writes for a, p in zip(authors, papers))
        assert all((a, p) in writes for a, p in zip(authors[1:], papers))


def test_neg_sample_draws_nodes_of_each_position_type():
    torch.manual_seed(0)
    model = MetaPath2Vec(_graph(), 8, [WRITES, WRITTEN_BY], walk_length=4, context_size=2,
                         walks_per_node=2, num_negative_samples=3)
    assert model.num_nodes_dict == {"author": 3, "paper": 3}
    rw = model.neg_sample(torch.tensor([0, 2]))
    assert rw.shape == (2 * 2 * 3 * 4, 2)
    # window j holds positions (j, j+1); windows of position 0 come first
    first = rw[:12]
    assert set(first[:, 0].tolist()) <= {0, 2}
    assert first[:, 1].min() >= 3 and first[:, 1].max() <= 5  # papers at offset 3
    second = rw[12:24]
    assert second[:, 1].max() <= 2  # authors


def test_loss_by_hand_and_training():
    torch.manual_seed(0)
    model = MetaPath2Vec(_graph(), 4, [WRITES, WRITTEN_BY], walk_length=2, context_size=3,
                         num_nodes_dict={"author": 4, "paper": 3})
    pos, neg = torch.tensor([[0, 4, 1]]), torch.tensor([[0, 6, 2]])
    E = model.embedding.weight
    s = lambda u, v: torch.sigmoid(E[u] @ E[v])  # noqa: E731
    expected = (-(torch.log(s(0, 4)) + torch.log(s(0, 1))) / 2
                - (torch.log(1 - s(0, 6)) + torch.log(1 - s(0, 2))) / 2)
    assert torch.allclose(model.loss(pos, neg), expected, atol=1e-6)

    opt = torch.optim.SparseAdam(list(model.parameters()), lr=0.05) if model.embedding.sparse \
        else torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(15):
        for pos, neg in model.loader(batch_size=4, shuffle=True):
            opt.zero_grad()
            loss = model.loss(pos, neg)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert sum(losses[-3:]) < sum(losses[:3])


@pytest.mark.slow
def test_communities_are_separable():
    pytest.importorskip("sklearn")
    torch.manual_seed(0)
    # two research communities: authors 0-19 write papers 0-9, authors 20-39 papers 10-19
    a = torch.arange(40).repeat_interleave(3)
    p = torch.randint(0, 10, (120,)) + 10 * (a >= 20)
    writes = torch.stack([a, p])
    model = MetaPath2Vec({WRITES: writes, WRITTEN_BY: writes.flip(0)}, 16,
                         [WRITES, WRITTEN_BY], walk_length=8, context_size=4,
                         walks_per_node=5, sparse=True)
    opt = torch.optim.SparseAdam(list(model.parameters()), lr=0.1)
    for _ in range(20):
        for pos, neg in model.loader(batch_size=40, shuffle=True):
            opt.zero_grad()
            model.loss(pos, neg).backward()
            opt.step()
    z = model("author").detach()
    y = (torch.arange(40) >= 20).long()
    perm = torch.randperm(40)
    acc = model.test(z[perm[:20]], y[perm[:20]], z[perm[20:]], y[perm[20:]])
    assert acc >= 0.9


def test_bad_arguments():
    graph = _graph()
    with pytest.raises(KeyError, match="metapath names edge type"):
        MetaPath2Vec(graph, 8, [("author", "cites", "paper")], 2, 2)
    with pytest.raises(ValueError, match="does not chain"):
        MetaPath2Vec(graph, 8, [WRITES, WRITES], 2, 2)
    with pytest.raises(ValueError, match="must end at the node type it starts from"):
        MetaPath2Vec(graph, 8, [WRITES], 3, 2)
    with pytest.raises(ValueError, match=r"context_size must be an int in \[2, walk_length "
                       r"\+ 1 = 3\], got 4"):
        MetaPath2Vec(graph, 8, [WRITES, WRITTEN_BY], 2, 4)
    with pytest.raises(ValueError, match="refers to nodes beyond num_nodes_dict"):
        MetaPath2Vec(graph, 8, [WRITES, WRITTEN_BY], 2, 2, num_nodes_dict={"author": 2, "paper": 3})
