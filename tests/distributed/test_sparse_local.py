"""Sharded embeddings in one process: same updates as a sparse nn.Embedding."""
import pytest
import torch

from distgnn.distributed import ShardedEmbedding
from distgnn.distributed.sparse_optim import coalesce_rows


def _reference(weight, optimizer, lr):
    emb = torch.nn.Embedding.from_pretrained(weight.clone(), freeze=False, sparse=True)
    opt = torch.optim.SparseAdam(emb.parameters(), lr=lr) if optimizer == "sparse_adam" \
        else torch.optim.Adagrad(emb.parameters(), lr=lr)
    return emb, opt


def _batches(n, steps, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(n, (17, 3), generator=g) for _ in range(steps)]


@pytest.mark.parametrize("optimizer", ["sparse_adam", "adagrad"])
@pytest.mark.parametrize("ranges", [None, [0, 3, 40, 41, 50]])
def test_matches_sparse_embedding(optimizer, ranges):
    n, d, lr = 50, 8, 0.05
    sharded = ShardedEmbedding(n, d, num_shards=3, optimizer=optimizer, lr=lr, ranges=ranges,
                               backend="local", seed=1)
    ref, opt = _reference(sharded.weight(), optimizer, lr)
    target = torch.randn(d)
    for ids in _batches(n, 6):
        opt.zero_grad()
        ((ref(ids) - target) ** 2).sum().backward()
        opt.step()
        ((sharded.pull(ids) - target) ** 2).sum().backward()
        sharded.push()
    torch.testing.assert_close(sharded.weight(), ref.weight.detach(), rtol=1e-5, atol=1e-6)
    assert sharded.step == 6


def test_init_does_not_depend_on_sharding():
    a = ShardedEmbedding(10_000, 4, num_shards=1, backend="local", seed=3).weight()
    b = ShardedEmbedding(10_000, 4, num_shards=7, backend="local", seed=3).weight()
    assert torch.equal(a, b) and 0.9 < a.std() < 1.1


def test_coalesce_rows_sums_repeats():
    rows, g = coalesce_rows(torch.tensor([4, 1, 4]), torch.tensor([[1.0], [2.0], [3.0]]))
    assert rows.tolist() == [1, 4] and g.view(-1).tolist() == [2.0, 4.0]


def test_bad_input_errors_name_expected_and_got():
    with pytest.raises(ValueError, match="num_shards must be"):
        ShardedEmbedding(4, 2, num_shards=9, backend="local")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        ShardedEmbedding(4, 2, optimizer="adam", backend="local")
    with pytest.raises(ValueError, match="ranges must increase"):
        ShardedEmbedding(4, 2, ranges=[0, 3, 2, 4], backend="local")
    emb = ShardedEmbedding(4, 2, backend="local")
    with pytest.raises(IndexError, match=r"ids must lie in \[0, 4\)"):
        emb.pull(torch.tensor([4]))
    with pytest.raises(TypeError, match="integer tensor"):
        emb.pull(torch.tensor([0.5]))
