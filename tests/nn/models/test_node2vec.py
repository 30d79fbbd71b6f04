"""Node2Vec: shapes, samples, loss, errors, and Cora accuracy."""

import pytest
import torch

from distgnn.nn import Node2Vec



def _ring(n=10):
    row = torch.arange(n)
    return torch.stack([torch.cat([row, (row + 1) % n]), torch.cat([(row + 1) % n, row])])


def test_samples_follow_edges_and_have_window_shape():
    torch.manual_seed(0)
    model = Node2Vec(_ring(), embedding_dim=8, walk_length=5, context_size=3, walks_per_node=2,
                     p=0.5, q=2.0, num_negative_samples=3)
    batch = torch.tensor([0, 4])
    pos, neg = model.pos_sample(batch), model.neg_sample(batch)
    # (walk_length + 2 - context_size) windows per walk, walks_per_node walks per node
    assert pos.shape == (2 * 2 * 4, 3) and neg.shape == (2 * 2 * 3 * 4, 3)
    assert torch.isin((pos[:, 1:] - pos[:, :-1]) % 10, torch.tensor([1, 9])).all()
    assert set(pos[:4, 0].tolist()) <= {0, 4} and int(neg.max()) < 10


def test_forward_loader_and_loss_train():
    torch.manual_seed(0)
    model = Node2Vec(_ring(), 16, walk_length=6, context_size=3, sparse=True)
    assert model().shape == (10, 16) and model(torch.tensor([1, 2])).shape == (2, 16)
    opt = torch.optim.SparseAdam(list(model.parameters()), lr=0.05)
    losses = []
    for _ in range(15):
        for pos, neg in model.loader(batch_size=5, shuffle=True):
            opt.zero_grad()
            loss = model.loss(pos, neg)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_fused_loss_matches_autograd_formula():
    from distgnn.nn.models.node2vec import fused_skipgram_loss, skipgram_loss
    torch.manual_seed(0)
    emb = torch.nn.Embedding(30, 8)
    emb.weight.data.mul_(0.3)  # float32 sigmoid saturates for large scores; the kernel uses float64
    pos, neg = torch.randint(30, (40, 4)), torch.randint(30, (80, 4))
    ref = skipgram_loss(emb(pos), emb(neg))
    (g_ref,) = torch.autograd.grad(ref, emb.weight)
    out = fused_skipgram_loss(emb, pos, neg)
    (g,) = torch.autograd.grad(out * 2.0, emb.weight)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(g, 2.0 * g_ref)


def test_constructor_errors_name_expected_and_got():
    with pytest.raises(ValueError, match=r"context_size must be an int in \[2, walk_length \+ 1 = 4\], got 7"):
        Node2Vec(_ring(), 8, walk_length=3, context_size=7)
    with pytest.raises(ValueError, match="p and q must be > 0"):
        Node2Vec(_ring(), 8, walk_length=3, context_size=2, q=0)
    with pytest.raises(ValueError, match=r"edge_index must have shape \[2, E\]"):
        Node2Vec(torch.zeros(3, 4, dtype=torch.long), 8, walk_length=3, context_size=2)


@pytest.mark.slow
def test_cora_accuracy(cora_root):
    pytest.importorskip("sklearn")
    from distgnn.data.planetoid import read_planetoid_data
    data = read_planetoid_data(cora_root, "cora")
    torch.manual_seed(0)
    model = Node2Vec(data.edge_index, embedding_dim=128, walk_length=20, context_size=10,
                     walks_per_node=10, num_negative_samples=1, p=1.0, q=1.0, sparse=True,
                     num_nodes=data.num_nodes)
    opt = torch.optim.SparseAdam(list(model.parameters()), lr=0.05)
    for _ in range(8):
        for pos, neg in model.loader(batch_size=128, shuffle=True):
            opt.zero_grad()
            model.loss(pos, neg).backward()
            opt.step()
    z = model().detach()
    acc = model.test(z[data.train_mask], data.y[data.train_mask], z[data.test_mask],
                     data.y[data.test_mask], max_iter=150)
    assert acc >= 0.65, acc
