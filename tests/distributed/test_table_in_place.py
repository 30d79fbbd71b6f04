"""A memory-mapped table is one file its shards map; a trainer on their machine writes it in place."""
import numpy as np
import pytest
import torch

from distgnn.distributed import ShardedEmbedding
from distgnn.distributed.embedding_shard import mapped_rows, table_file


def _table(tmp_path, **kw):
    args = dict(num_shards=3, optimizer="sgd", lr=1.0, backend="local", seed=2,
                memmap_dir=str(tmp_path))
    args.update(kw)
    return ShardedEmbedding(10, 4, **args)


def test_shards_share_one_file_and_writes_in_place_are_their_rows(tmp_path):
    emb = _table(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["table-4.f32"]
    table = emb.table_in_place()
    assert table.shape == (10, 4) and table.dtype == np.float32
    np.testing.assert_array_equal(table, emb.weight().numpy())
    table[[0, 4, 9]] += 1.0  # rows of shards 0, 1 and 2
    np.testing.assert_array_equal(emb.weight().numpy(), table)
    emb.push_gradients(torch.tensor([4]), torch.ones(1, 4))  # and pushes land in the file
    np.testing.assert_array_equal(table[4], emb.weight().numpy()[4])


def test_no_file_or_an_optimizer_with_state_trains_through_the_servers(tmp_path):
    assert _table(tmp_path, memmap_dir=None).table_in_place() is None
    assert _table(tmp_path, optimizer="rowwise_adagrad").table_in_place() is None


def test_an_earlier_table_in_the_file_reads_as_zeros(tmp_path):
    path = table_file(str(tmp_path), 4)
    np.full((10, 4), 7.0, dtype=np.float32).tofile(path)
    assert torch.equal(mapped_rows(str(tmp_path), 3, 8, 4), torch.zeros(5, 4))
    assert (np.fromfile(path, dtype=np.float32).reshape(10, 4)[[0, 1, 2, 8, 9]] == 7).all()
    emb = _table(tmp_path, init="zeros")
    assert torch.equal(emb.weight(), torch.zeros(10, 4))


def test_ray_shards_on_this_machine_share_the_file(tmp_path, local_ray):
    emb = _table(tmp_path, backend="ray")
    table = emb.table_in_place()
    table[3] = 0.5
    np.testing.assert_array_equal(emb.weight().numpy()[3], np.full(4, 0.5, np.float32))
    emb.close()
