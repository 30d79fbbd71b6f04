"""The job pipeline's parts that need no Ray: store preparation, edge files, metrics, plot, summary."""
import json

import numpy as np
import pytest

from distgnn.config import load_config
from distgnn.jobs import MetricsLog, prepare_store, read_metrics
from distgnn.jobs.data_stage import store_path
from distgnn.jobs.ingest import read_edge_file
from distgnn.jobs.summary import finish_run
from distgnn.partition import open_store

SMALL = ["data.generator.num_nodes=600", "data.generator.num_blocks=3", "data.generator.num_val=100",
         "data.generator.num_test=200", "data.num_parts=4", "data.method=random"]


def test_prepare_store_writes_reuses_and_refuses_stale(tmp_path):
    cfg = load_config(None, SMALL + [f"run.dir={tmp_path}"])
    path = prepare_store(cfg, log=lambda *_: None)
    store = open_store(path)
    assert path == store_path(cfg) and store.num_nodes == 600 and store.num_parts == 4
    assert store.num_classes == 3 and store.num_features == 32
    stamp = (tmp_path / "graph.zarr" / "zarr.json").stat().st_mtime_ns
    assert prepare_store(cfg, log=lambda *_: None) == path  # reused, not rewritten
    assert (tmp_path / "graph.zarr" / "zarr.json").stat().st_mtime_ns == stamp
    changed = load_config(None, SMALL + [f"run.dir={tmp_path}", "data.num_parts=2",
                                         "sampler.parts_per_batch=1"])
    with pytest.raises(FileExistsError, match="data.output: .* different data config"):
        prepare_store(changed, log=lambda *_: None)
    rewritten = load_config(None, SMALL + [f"run.dir={tmp_path}", "data.num_parts=2",
                                           "sampler.parts_per_batch=1", "data.overwrite=true"])
    assert open_store(prepare_store(rewritten, log=lambda *_: None)).num_parts == 2


def test_given_store_must_exist(tmp_path):
    cfg = load_config(None, [f"data.store={tmp_path / 'nope.zarr'}"])
    with pytest.raises(FileNotFoundError):
        prepare_store(cfg, log=lambda *_: None)


def test_edge_files(tmp_path):
    np.save(tmp_path / "e.npy", np.array([[0, 1, 2], [1, 2, 3]]))
    (tmp_path / "e.csv").write_text("src,dst\n0,1\n1,2\n2,3\n")
    for name in ("e.npy", "e.csv"):
        ei, n = read_edge_file(str(tmp_path / name))
        assert n == 4 and ei.shape == (2, 6)  # both directions
    (tmp_path / "e.txt").write_text("0 1\n")
    with pytest.raises(ValueError, match=r"expected a file ending in \.npy, \.csv, \.parquet"):
        read_edge_file(str(tmp_path / "e.txt"))
    cfg = load_config(None, [f"data.input={tmp_path / 'e.csv'}", f"run.dir={tmp_path / 'run'}",
                             "job=node2vec", "data.num_parts=2", "model.context_size=2"])
    assert open_store(prepare_store(cfg, log=lambda *_: None)).num_edges == 6


def test_metrics_log_resume_drops_repeated_epochs(tmp_path):
    log = MetricsLog(str(tmp_path))
    for e in range(3):
        log.log({"epoch": e, "train_loss": 1.0 / (e + 1), "val_acc": 0.5 + e / 10})
    log.close()
    again = MetricsLog(str(tmp_path), start_epoch=2)
    again.log({"epoch": 2, "train_loss": 0.25, "val_acc": 0.9})
    rows = read_metrics(str(tmp_path / "metrics.csv"))
    assert [r["epoch"] for r in rows] == [0, 1, 2]
    assert rows[2]["train_loss"] == 0.25 and rows[1]["val_acc"] == pytest.approx(0.6)


def test_finish_run_writes_plot_and_summary(tmp_path):
    rows = [{"epoch": 0, "train_loss": 1.2, "val_acc": 0.5, "test_acc": 0.5, "samples_per_s": 100.0},
            {"epoch": 1, "train_loss": 0.8, "val_acc": 0.7, "test_acc": 0.68, "samples_per_s": 120.0}]
    summary = finish_run(str(tmp_path), "cluster_gcn", rows, 3.0, 2)
    png = (tmp_path / "plot.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["final"]["test_acc"] == 0.68 and saved["epochs"] == 2
    assert "test_acc 0.6800" in summary["line"] and "2 epochs on 2 replicas" in summary["line"]
