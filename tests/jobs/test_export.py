"""Export round trips: Parquet and Zarr, keyed by the user's original ids, chunk by chunk."""
import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
import zarr

from distgnn.data import planted_partition
from distgnn.distributed import ShardedEmbedding
from distgnn.jobs.export import (embedding_shard_chunks, export_rows, inference_chunks, orig_id_reader,
                                 output_format, prediction_chunks)
from distgnn.partition import open_store, partition_graph, write_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    g = planted_partition(250, 4, avg_degree=5, num_features=4, feature_noise=7.0, train_per_class=5, num_val=20,
                          num_test=20, seed=3)
    path = tmp_path_factory.mktemp("export") / "g.zarr"
    part = partition_graph(g.edge_index, g.num_nodes, 4, method="metis", seed=0)
    write_store(path, g.edge_index, g.num_nodes, part, x=g.x, y=g.y, method="metis")
    s = open_store(path)
    assert not np.array_equal(s.orig_ids, np.arange(g.num_nodes))  # a real relabelling
    return s


def _rows_by_orig(store, dim=3):
    """Store-numbered rows whose values name the node's original id: row(u) = [u, 2u, 3u]."""
    orig = store.orig_ids.astype(np.float32)
    return np.stack([orig * (k + 1) for k in range(dim)], axis=1)


def _layer(tmp_path, rows, chunk=32):
    arr = zarr.open_group(str(tmp_path / "inf.zarr"), mode="w").create_array(
        "layer_0", shape=rows.shape, chunks=(chunk, rows.shape[1]), dtype="float32")
    arr[:] = rows
    return arr


def test_parquet_round_trip_original_ids(tmp_path, store):
    rows = _rows_by_orig(store)
    arr = _layer(tmp_path, rows)
    out = tmp_path / "emb.parquet"
    info = export_rows(inference_chunks(arr, 37), orig_id_reader(store), str(out), "embedding",
                       store.num_nodes, chunk_rows=37)
    assert info == {"path": str(out), "format": "parquet", "rows": 250, "dim": 3}
    f = pq.ParquetFile(str(out))
    assert f.metadata.num_row_groups == -(-250 // 37)  # streamed a chunk at a time
    t = f.read()
    ids = t.column("id").to_numpy()
    vec = np.stack(t.column("embedding").to_pylist()).astype(np.float32)
    assert str(t.schema.field("embedding").type) == "fixed_size_list<element: float>[3]"
    assert sorted(ids.tolist()) == list(range(250))
    assert np.array_equal(vec, np.stack([ids * 1.0, ids * 2.0, ids * 3.0], 1).astype(np.float32))
    assert not (tmp_path / ".emb.parquet.partial").exists()


def test_zarr_round_trip_and_predictions(tmp_path, store):
    rows = _rows_by_orig(store, 4)
    rows[:, 2] += 1e6 * (store.orig_ids % 2 == 0)  # even ids predict class 2, odd ids class 3
    arr = _layer(tmp_path, rows)
    out = tmp_path / "pred.zarr"
    export_rows(prediction_chunks(arr, 50), orig_id_reader(store), str(out), "prediction",
                store.num_nodes, chunk_rows=50)
    g = zarr.open_group(str(out), mode="r")
    ids, pred = g["id"][:], g["prediction"][:]
    assert g["prediction"].chunks == (50,) and dict(g.attrs)["distgnn_export"]["num_rows"] == 250
    assert sorted(ids.tolist()) == list(range(250))
    assert np.array_equal(pred, np.where(ids % 2 == 0, 2, 3))
    # replaced only with overwrite, and only a directory export wrote
    with pytest.raises(FileExistsError, match="--overwrite"):
        export_rows(prediction_chunks(arr), orig_id_reader(store), str(out), "prediction", 250)
    export_rows(prediction_chunks(arr), orig_id_reader(store), str(out), "prediction", 250,
                overwrite=True)
    foreign = tmp_path / "mine.zarr"
    foreign.mkdir()
    (foreign / "keep").write_text("x")
    with pytest.raises(FileExistsError, match="not written by `distgnn export`"):
        export_rows(prediction_chunks(arr), orig_id_reader(store), str(foreign), "prediction", 250,
                    overwrite=True)
    assert (foreign / "keep").read_text() == "x"


def test_sharded_embedding_export(tmp_path, store):
    emb = ShardedEmbedding(store.num_nodes, 5, num_shards=3, backend="local", seed=1)
    weight = emb.weight().clone()
    emb.save(str(tmp_path / "n2v"))
    out = tmp_path / "n2v.parquet"
    export_rows(embedding_shard_chunks(str(tmp_path / "n2v"), 40), orig_id_reader(store), str(out),
                "embedding", store.num_nodes)
    t = pq.read_table(str(out))
    ids = t.column("id").to_numpy()
    vec = torch.tensor(np.stack(t.column("embedding").to_pylist()))
    new = store.to_new(ids)
    assert torch.equal(vec, weight[torch.from_numpy(new)])


def test_bad_input(tmp_path, store):
    with pytest.raises(ValueError, match=r"ending in \.parquet .* or \.zarr"):
        output_format("out.csv")
    arr = _layer(tmp_path, _rows_by_orig(store))
    out = tmp_path / "short.parquet"
    with pytest.raises(ValueError, match="expected 300 rows, the source gave 250"):
        export_rows(inference_chunks(arr), orig_id_reader(store), str(out), "embedding", 300)
    assert not out.exists() and not (tmp_path / ".short.parquet.partial").exists()


def test_command_errors_name_what_to_do(tmp_path, store, capsys):
    from distgnn.cli import main
    from distgnn.config import config_from_dict, save_config

    assert main(["export", str(tmp_path), "--what", "embeddings", "--out", str(tmp_path / "e.parquet")]) == 2
    assert "expected a run directory of `distgnn train`" in capsys.readouterr().err
    run = tmp_path / "run"
    run.mkdir()
    save_config(config_from_dict({"job": "graphsage", "data": {"store": store.path}}),
                str(run / "config.yaml"))
    assert main(["export", str(run), "--what", "predictions", "--out", str(tmp_path / "p.zarr")]) == 2
    assert f"run `distgnn infer {run}` first" in capsys.readouterr().err
    assert main(["export", str(run), "--what", "predictions", "--out", str(tmp_path / "p.csv")]) == 2
    assert "ending in .parquet (a file) or .zarr" in capsys.readouterr().err
    assert main(["infer", str(run)]) == 2
    assert "no complete checkpoint" in capsys.readouterr().err


def test_the_registry_says_what_each_job_infers_and_exports():
    from distgnn.config import get_job
    from distgnn.jobs.cluster_gcn import build_model as cluster_gcn_model
    from distgnn.jobs.graphsage import build_model as graphsage_model

    assert get_job("graphsage").model_builder() is graphsage_model
    assert get_job("cluster_gcn").model_builder() is cluster_gcn_model
    assert [get_job(j).export_from for j in ("cluster_gcn", "graphsage", "node2vec")] == \
        ["inference", "inference", "table"]
    assert get_job("node2vec").build_model == ""
