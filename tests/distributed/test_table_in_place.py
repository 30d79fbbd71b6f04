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


def test_a_float16_table_is_half_the_file_pulls_float32_and_rounds_pushes(tmp_path):
    emb = _table(tmp_path, dtype="float16")
    path = tmp_path / "table-4.f16"
    assert [p.name for p in tmp_path.iterdir()] == [path.name] and path.stat().st_size == 10 * 4 * 2
    table = emb.table_in_place()
    assert table.dtype == np.float16
    w = emb.weight()
    assert w.dtype == torch.float32
    np.testing.assert_array_equal(w.numpy(), table.astype(np.float32))
    before = table[4].astype(np.float32)
    emb.push_gradients(torch.tensor([4]), torch.full((1, 4), 1e-3))  # sgd at lr 1, float32 math
    np.testing.assert_array_equal(table[4], (before - np.float32(1e-3)).astype(np.float16))
    # the same initial rows as float32's, rounded
    np.testing.assert_array_equal(
        _table(tmp_path / "f32").weight().numpy().astype(np.float16), w.numpy().astype(np.float16))


def test_a_float16_table_needs_sgd_and_a_known_dtype(tmp_path):
    with pytest.raises(ValueError, match="a float16 table needs optimizer 'sgd'.*got 'sparse_adam'"):
        _table(tmp_path, dtype="float16", optimizer="sparse_adam")
    with pytest.raises(ValueError, match=r"dtype must be one of \['float16', 'float32'\], got 'bfloat16'"):
        _table(tmp_path, dtype="bfloat16")


def test_a_float16_table_saves_and_loads_and_refuses_a_float32_checkpoint(tmp_path):
    emb = _table(tmp_path / "a", dtype="float16", memmap_dir=None)
    emb.push_gradients(torch.tensor([1, 7]), torch.ones(2, 4))
    emb.save(str(tmp_path / "ck"))
    back = _table(tmp_path / "b", dtype="float16", memmap_dir=None, seed=5)
    back.load(str(tmp_path / "ck"))
    assert torch.equal(back.weight(), emb.weight())
    with pytest.raises(ValueError, match="dtype"):
        _table(tmp_path / "c", memmap_dir=None).load(str(tmp_path / "ck"))
