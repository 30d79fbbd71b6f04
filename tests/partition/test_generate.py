import numpy as np
import pyarrow.parquet as pq
import pytest

from distgnn.cli import main
from distgnn.data import generators as gen


def _edges(path):
    t = pq.read_table(path)
    return np.stack([t.column("src").to_numpy(), t.column("dst").to_numpy()])


def test_rmat_same_graph_whatever_the_chunk_size(tmp_path, monkeypatch):
    monkeypatch.setattr(gen, "GEN_BLOCK", 1000)  # several seeded blocks in a small graph
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert main(["generate", "rmat:10:4", "-o", str(a), "--chunk-rows", "333", "-q", "--seed", "5"]) == 0
    assert main(["generate", "rmat:10:4", "-o", str(b), "--chunk-rows", "4096", "-q", "--seed", "5"]) == 0
    assert pq.ParquetFile(a).metadata.num_row_groups == 13 and pq.ParquetFile(b).metadata.num_row_groups == 1
    ea, eb = _edges(a), _edges(b)
    assert ea.dtype == np.int32 and ea.shape == (2, 4096) and np.array_equal(ea, eb)
    assert ea.min() >= 0 and ea.max() < 1024
    # the in-memory generator coalesces the very same samples
    mem = gen.rmat_edge_index(10, 4, seed=5, symmetric=False, remove_self_loops=False).numpy()
    key = np.unique(ea[0].astype(np.int64) * 1024 + ea[1])
    assert np.array_equal(mem[0] * 1024 + mem[1], key)
    c = tmp_path / "c.parquet"
    assert main(["generate", "rmat:10:4", "-o", str(c), "-q", "--seed", "6"]) == 0
    assert not np.array_equal(_edges(c), ea)


def test_planted_writes_node_files_equal_to_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(gen, "GEN_BLOCK", 700)
    out = tmp_path / "p.parquet"
    assert main(["generate", "planted:3000:3:8", "-o", str(out), "-q", "--seed", "2", "--num-features", "5",
                 "--num-val", "100", "--num-test", "200", "--chunk-rows", "999"]) == 0
    data = gen.planted_partition(3000, 3, avg_degree=8, num_features=5, num_val=100, num_test=200, seed=2)
    e = _edges(out)
    assert e.shape == (2, 12000)
    sym = gen.coalesce_numpy(e[0], e[1], 3000, symmetric=True, remove_self_loops=True).numpy()
    assert np.array_equal(sym, data.edge_index.numpy())
    assert np.array_equal(np.load(tmp_path / "p_features.npy"), data.x.numpy())
    assert np.array_equal(np.load(tmp_path / "p_labels.npy"), data.y.numpy())
    for name in ("train", "val", "test"):
        assert np.array_equal(np.load(tmp_path / f"p_{name}_mask.npy"), getattr(data, f"{name}_mask").numpy())


def test_generate_refuses_existing_and_bad_specs(tmp_path, capsys):
    out = tmp_path / "e.parquet"
    assert main(["generate", "grid:3:3", "-o", str(out), "-q"]) == 0
    before = out.read_bytes()
    assert main(["generate", "grid:3:3", "-o", str(out), "-q"]) == 2
    assert "must not exist" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["generate", "rmat:x", "-o", str(tmp_path / "f.parquet"), "-q"]) == 2
    assert "numbers" in capsys.readouterr().err
    assert main(["generate", "rmat:5", "-o", str(tmp_path / "f.csv"), "-q"]) == 2
    assert not (tmp_path / "f.parquet").exists() and not (tmp_path / "f.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["e.parquet"]


def test_generator_errors_leave_no_file(tmp_path):
    from distgnn.partition.ingest import write_edge_parquet

    def chunks():
        yield np.zeros((2, 5), np.int64)
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_edge_parquet(chunks(), tmp_path / "e.parquet", 10, row_group_rows=2)
    assert list(tmp_path.iterdir()) == []
