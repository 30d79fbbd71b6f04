"""Row-wise Adagrad: one accumulator per row, steps computed by hand."""
import math

import pytest
import torch

from distgnn.distributed import ShardedEmbedding
from distgnn.distributed.sparse_optim import (OptimizerSpec, apply_update, init_state,
                                              state_bytes_per_row)


def test_two_steps_by_hand():
    spec = OptimizerSpec(name="rowwise_adagrad", lr=0.5, eps=1e-30)  # eps negligible
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    state = init_state(spec, w)
    assert state["row_sum"].shape == (3,)
    apply_update(spec, w, state, torch.tensor([1]), torch.tensor([[3.0, 4.0]]), 1)
    # G_1 = (9 + 16) / 2 = 12.5;  w_1 -= 0.5 * g / sqrt(12.5)
    s = math.sqrt(12.5)
    assert torch.allclose(w[1], torch.tensor([3.0 - 1.5 / s, 4.0 - 2.0 / s]))
    apply_update(spec, w, state, torch.tensor([0, 1]), torch.tensor([[2.0, 0.0], [0.0, 1.0]]), 2)
    assert torch.allclose(state["row_sum"], torch.tensor([2.0, 13.0, 0.0]))
    assert torch.allclose(w[0], torch.tensor([1.0 - 1.0 / math.sqrt(2.0), 2.0]))
    assert torch.allclose(w[1], torch.tensor([3.0 - 1.5 / s, 4.0 - 2.0 / s - 0.5 / math.sqrt(13.0)]))
    assert torch.equal(w[2], torch.tensor([5.0, 6.0]))


def test_sharded_table_runs_it_with_one_value_per_row():
    emb = ShardedEmbedding(20, 4, num_shards=2, optimizer="rowwise_adagrad", lr=0.1, backend="local")
    before = emb.weight().clone()
    ids = torch.tensor([0, 19, 19])
    (emb.pull(ids) ** 2).sum().backward()
    emb.push()
    changed = (emb.weight() != before).any(dim=1)
    assert changed.nonzero().view(-1).tolist() == [0, 19]


@pytest.mark.parametrize("name, per_row", [("sparse_adam", 512), ("adagrad", 256),
                                           ("rowwise_adagrad", 4), ("sgd", 0)])
def test_state_bytes_per_row(name, per_row):
    assert state_bytes_per_row(name, 64) == per_row


def test_memory_mapped_table_equals_in_memory_table(tmp_path):
    kw = dict(num_shards=2, optimizer="rowwise_adagrad", lr=0.1, backend="local", seed=4)
    mem = ShardedEmbedding(30, 3, **kw)
    mapped = ShardedEmbedding(30, 3, memmap_dir=str(tmp_path), **kw)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table-3.f32"]
    assert torch.equal(mem.weight(), mapped.weight())
    for emb in (mem, mapped):
        for ids in (torch.tensor([1, 2, 29]), torch.tensor([2, 16])):
            (emb.pull(ids) ** 2).sum().backward()
            emb.push()
    assert torch.equal(mem.weight(), mapped.weight())
