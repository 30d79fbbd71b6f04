"""Skip-gram on rows pulled from sharded embedding servers equals local training."""
import numpy as np
import pytest
import torch

from distgnn.embedding import alias_table, train_pulled, train_walks


def _servers(n, d, shards=2, adagrad=False):
    from distgnn.distributed.sharded_embedding import ShardedEmbedding
    # SGD with lr 1 on the negated delta adds the delta: the servers hold the tables as they are
    tables = [ShardedEmbedding(n, d, shards, "sgd", 1.0, init="normal", std=0.1, seed=1, backend="local"),
              ShardedEmbedding(n, d, shards, "sgd", 1.0, init="zeros", backend="local")]
    if adagrad:
        tables += [ShardedEmbedding(n, 1, shards, "sgd", 1.0, init="zeros", backend="local")
                   for _ in range(2)]

    def pull(ids):
        rows = [t.pull_unique(torch.from_numpy(ids))[2].numpy() for t in tables]
        return rows[:2] + [r[:, 0] for r in rows[2:]]

    def push(ids, deltas):
        for t, dlt in zip(tables, deltas):
            t.push_gradients(torch.from_numpy(ids), -torch.from_numpy(dlt.reshape(len(ids), -1)))

    return tables, pull, push


@pytest.mark.parametrize("adagrad", [False, True])
def test_sharded_training_equals_local_training(adagrad):
    n, d = 120, 8
    tables, pull, push = _servers(n, d, adagrad=adagrad)
    syn0 = tables[0].weight().numpy().copy()
    syn1 = np.zeros_like(syn0)
    acc = (np.zeros(n, np.float32), np.zeros(n, np.float32)) if adagrad else None
    prob, alias = alias_table(np.arange(1, n + 1, dtype=np.float64) ** 0.75)
    keep = np.linspace(0.5, 1.0, n).astype(np.float32)
    rng = np.random.default_rng(0)
    for batch in range(3):
        walks = rng.integers(0, n, (6, 10))
        kw = dict(window=3, prob=prob, alias=alias, keep=keep, lr_start=0.1 - 0.02 * batch,
                  lr_end=0.08 - 0.02 * batch, seed=4, first_walk_id=6 * batch, threads=1)
        want = train_walks(syn0, syn1, walks, adagrad=acc, with_loss=True, **kw)
        got = train_pulled(pull, push, walks, adagrad=adagrad, with_loss=True, **kw)
        assert got[0] == want[0] and got[1] == pytest.approx(want[1], rel=1e-6)
    np.testing.assert_allclose(tables[0].weight().numpy(), syn0, atol=1e-6)
    np.testing.assert_allclose(tables[1].weight().numpy(), syn1, atol=1e-6)
    assert np.abs(syn1).sum() > 0
    if adagrad:
        np.testing.assert_allclose(tables[2].weight().numpy()[:, 0], acc[0], rtol=1e-5, atol=1e-7)


def test_pull_that_returns_the_wrong_rows_is_named():
    prob, alias = alias_table(np.ones(10))
    with pytest.raises(ValueError, match="pull must return 2 arrays of"):
        train_pulled(lambda ids: [np.zeros((1, 4), np.float32)] * 2, lambda ids, d: None,
                     np.zeros((1, 3), np.int64), window=1, prob=prob, alias=alias)


def test_pull_rows_and_push_rows_move_several_tables_as_one_table_at_a_time():
    from distgnn.distributed import ShardedEmbedding
    from distgnn.distributed.sharded_embedding import pull_rows, push_rows

    def tables(seed):
        return [ShardedEmbedding(20, 3, num_shards=3, optimizer="sgd", lr=1.0, backend="local",
                                 seed=seed + k, name=f"t{k}") for k in range(2)]

    ids = torch.tensor([0, 6, 7, 13, 19])
    together, alone = tables(0), tables(0)
    got = pull_rows(together, ids)
    for t, rows in zip(alone, got):
        torch.testing.assert_close(rows, t.pull_unique(ids)[2], rtol=0, atol=0)
    grads = [torch.randn(5, 3, generator=torch.Generator().manual_seed(k)) for k in range(2)]
    push_rows(together, ids, grads)
    for t, g in zip(alone, grads):
        t.push_gradients(ids, g)
    for a, b in zip(together, alone):
        torch.testing.assert_close(a.weight(), b.weight(), rtol=0, atol=0)
    with pytest.raises(ValueError, match="strictly increasing"):
        pull_rows(together, torch.tensor([3, 1]))
