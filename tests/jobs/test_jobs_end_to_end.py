"""Both example configs end to end at small size on one shared in-process Ray, --resume, and the
export of the Node2Vec run's embeddings."""
import os
from pathlib import Path

import pytest

from distgnn.cli import main
from distgnn.jobs import read_metrics

pytestmark = [pytest.mark.slow, pytest.mark.ray, pytest.mark.usefixtures("suite_ray")]

ROOT = Path(__file__).resolve().parents[2]
SMALL_GRAPH = ["data.generator.num_nodes=800", "data.generator.num_blocks=4",
               "data.generator.num_features=16", "data.generator.train_per_class=40",
               "data.generator.num_val=150", "data.generator.num_test=300"]


def _train(config: str, run_dir, *overrides: str, resume: bool = False) -> int:
    argv = ["train", str(ROOT / "examples" / "configs" / config), "-p", f"run.dir={run_dir}",
            "-p", "scaling.num_workers=2", "-p", "run.progress=false"]
    for o in list(SMALL_GRAPH) + list(overrides):
        argv += ["-p", o]
    return main(argv + (["--resume"] if resume else []))


def _check_outputs(run_dir, epochs: int):
    rows = read_metrics(os.path.join(run_dir, "metrics.csv"))
    assert [int(r["epoch"]) for r in rows] == list(range(epochs))
    for r in rows:
        assert r["train_loss"] > 0 and r["samples_per_s"] > 0 and r["batches_per_s"] > 0
    png = Path(run_dir, "plot.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    return rows


def test_cluster_gcn_example_and_resume(tmp_path, capsys):
    run = tmp_path / "gcn"
    args = ("data.num_parts=8", "model.hidden_channels=16", "run.lr=0.02")
    assert _train("cluster_gcn.yaml", run, "run.epochs=2", *args) == 0
    out = capsys.readouterr().out
    first = _check_outputs(run, 2)
    assert out.strip().splitlines()[-1] == f"test accuracy: {first[-1]['test_acc']:.3f}"
    assert "cluster_gcn: 2 epochs on 2 replicas" in out
    # a finished run is never overwritten by accident
    assert _train("cluster_gcn.yaml", run, "run.epochs=3", *args) == 2
    assert "--resume" in capsys.readouterr().err
    # --resume continues from the last checkpoint: only epoch 3 runs
    assert _train("cluster_gcn.yaml", run, "run.epochs=3", *args, resume=True) == 0
    out = capsys.readouterr().out
    rows = _check_outputs(run, 3)
    assert rows[:2] == first
    assert "epoch 3/3" in out and "epoch 1/3" not in out and "store:" in out and "(reused)" in out
    assert rows[-1]["test_acc"] > 0.5  # four planted blocks: chance is 0.25


def test_node2vec_example(tmp_path, capsys):
    run = tmp_path / "n2v"
    assert _train("node2vec.yaml", run, "run.epochs=1", "data.num_parts=4", "model.walks_per_node=1",
                  "sampler.batch_size=200", "model.embedding_dim=16", "sampler.num_actors=2") == 0
    out = capsys.readouterr().out
    rows = _check_outputs(run, 1)
    assert 0.0 <= rows[0]["test_acc"] <= 1.0 and "val_acc" in rows[0]
    assert "sampler: 2 shard-server actors" in out
    assert out.strip().splitlines()[-1].startswith("test accuracy: ")
    _check_embedding_export(run, tmp_path, num_nodes=800, dim=16)


def _check_embedding_export(run, tmp_path, num_nodes: int, dim: int):
    """``distgnn export`` writes the newest checkpoint's table keyed by original id; a node2vec
    run has no predictions and no layer-wise inference (the registry says so)."""
    import numpy as np
    import pyarrow.parquet as pq

    from distgnn.distributed.checkpoint import latest_checkpoint
    from distgnn.jobs.export import embedding_shard_chunks
    from distgnn.partition import open_store

    out = tmp_path / "emb.parquet"
    assert main(["export", str(run), "--what", "embeddings", "--out", str(out)]) == 0
    assert main(["export", str(run), "--what", "predictions", "--out", str(tmp_path / "p.parquet")]) == 2
    assert main(["infer", str(run)]) == 2
    t = pq.read_table(str(out))
    ids = t.column("id").to_numpy()
    vec = np.stack(t.column("embedding").to_pylist()).astype(np.float32)
    store = open_store(str(run / "graph.zarr"))
    assert sorted(ids.tolist()) == list(range(num_nodes)) and vec.shape == (num_nodes, dim)
    table = os.path.join(latest_checkpoint(str(run)), "embeddings", "node2vec")
    rows = np.concatenate([r for _, r in embedding_shard_chunks(table)])
    assert np.array_equal(vec, rows[store.to_new(ids)])
