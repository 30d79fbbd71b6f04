"""The job pipeline's parts that need no Ray: store preparation, data.input through the one
ingest path, the schedule, the console, metrics, plot, summary."""
import json
import time

import numpy as np
import pytest
import torch

from distgnn.config import load_config
from distgnn.distributed.metrics import MetricsSink, read_history, read_rows
from distgnn.jobs import prepare_store, read_metrics
from distgnn.jobs.data_stage import store_path
from distgnn.jobs.context import format_row
from distgnn.jobs.progress import Console, Progress
from distgnn.jobs.schedule import Schedule
from distgnn.config import RunConfig
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


def _input_cfg(tmp_path, name, *extra):
    return load_config(None, [f"data.input={tmp_path / name}", f"run.dir={tmp_path / 'run' / name}",
                              f"data.output={tmp_path / (name + '.zarr')}", "job=node2vec",
                              "data.num_parts=2", "data.method=random", *extra])


def test_data_input_reads_every_format_of_distgnn_partition(tmp_path):
    np.save(tmp_path / "e.npy", np.array([[0, 1, 2], [1, 2, 3]]))
    (tmp_path / "e.csv").write_text("src,dst\n0,1\n1,2\n2,3\n")
    (tmp_path / "headerless.csv").write_text("0,1\n1,2\n2,3\n")  # the first edge is an edge
    (tmp_path / "e.txt").write_text("0 1\n1 2\n2 3\n")
    (tmp_path / "e.tsv").write_text("dst\tsrc\n1\t0\n2\t1\n3\t2\n")  # columns by name
    for name in ("e.npy", "e.csv", "headerless.csv", "e.txt", "e.tsv"):
        store = open_store(prepare_store(_input_cfg(tmp_path, name), log=lambda *_: None))
        assert store.num_nodes == 4 and store.num_edges == 6, name  # 3 edges, both directions
    (tmp_path / "floats.csv").write_text("0,1\n1.7,2.9\n")
    with pytest.raises(TypeError, match="ids must be integers"):
        prepare_store(_input_cfg(tmp_path, "floats.csv"), log=lambda *_: None)
    (tmp_path / "ragged.csv").write_text("0,1\n2\n")
    with pytest.raises(ValueError):
        prepare_store(_input_cfg(tmp_path, "ragged.csv"), log=lambda *_: None)


def test_data_input_builds_the_store_distgnn_partition_builds(tmp_path):
    from distgnn.cli import main
    rng = np.random.default_rng(3)
    np.save(tmp_path / "e.npy", rng.integers(0, 300, (2, 2000)))
    trained = open_store(prepare_store(_input_cfg(tmp_path, "e.npy", "data.method=auto", "data.seed=5"),
                                       log=lambda *_: None))
    out = tmp_path / "cli.zarr"
    assert main(["partition", str(tmp_path / "e.npy"), "-k", "2", "-o", str(out), "--seed", "5", "-q"]) == 0
    cli = open_store(out)
    assert trained.meta["method"] == cli.meta["method"] == "metis"  # auto's pick on a small graph
    assert trained.meta["method_requested"] == "auto" and trained.num_edges == cli.num_edges
    np.testing.assert_array_equal(trained.orig_ids, cli.orig_ids)
    for p in range(2):
        for name in ("rowptr", "col", "halo_ids"):
            np.testing.assert_array_equal(trained.part(p).read(name), cli.part(p).read(name))
    assert not [f for f in tmp_path.iterdir() if ".csr-" in f.name]  # the scratch CSRs are gone


def test_data_input_takes_features_labels_and_masks(tmp_path):
    n = 6
    (tmp_path / "e.csv").write_text("src,dst\n0,1\n1,2\n2,3\n3,4\n4,5\n")
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.array([0, 0, 1, 1, 2, 2])
    train = np.array([1, 0, 1, 0, 1, 0], bool)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "test.npy", ~train)
    cfg = _input_cfg(tmp_path, "e.csv", f"data.features={tmp_path / 'x.npy'}",
                     f"data.labels={tmp_path / 'y.npy'}",
                     f"data.masks=[train={tmp_path / 'train.npy'},test={tmp_path / 'test.npy'}]")
    store = open_store(prepare_store(cfg, log=lambda *_: None))
    orig = store.orig_ids  # store id -> the file's id
    parts = [store.part(p) for p in range(store.num_parts)]
    got_x = np.concatenate([np.asarray(s.x) for s in parts])
    got_y = np.concatenate([np.asarray(s.y) for s in parts])
    got_train = np.concatenate([np.asarray(s.masks["train"]) for s in parts])
    np.testing.assert_array_equal(got_x, x[orig])
    np.testing.assert_array_equal(got_y, y[orig])
    np.testing.assert_array_equal(got_train, train[orig])
    assert store.num_classes == 3 and sorted(parts[0].masks) == ["test", "train"]
    np.save(tmp_path / "short.npy", y[:4])
    with pytest.raises(ValueError, match="data.labels must have num_nodes=6 rows"):
        prepare_store(_input_cfg(tmp_path, "e.csv", f"data.labels={tmp_path / 'short.npy'}",
                                 "data.overwrite=true"), log=lambda *_: None)


def test_schedule_counts_epochs_steps_and_resumes_mid_epoch():
    run = RunConfig(epochs=3, checkpoint_every_steps=2, max_steps=None)
    s = Schedule(run)
    assert list(s.epochs()) == [0, 1, 2] and s.start_epoch(0) == 0
    due = [s.after_step() for _ in range(3)]
    assert due == [False, True, False] and s.position() == {"epoch": 0, "step": 3, "global_step": 3}
    assert s.end_epoch(4) == {"epoch": 0, "step": 3, "global_step": 3}  # epoch not finished
    s.after_step()
    assert s.end_epoch(4) == {"epoch": 1, "step": 0, "global_step": 4}
    resumed = Schedule(run, {"position": {"epoch": 1, "step": 2, "global_step": 6}})
    assert list(resumed.epochs()) == [1, 2] and resumed.start_epoch(1) == 2
    assert resumed.start_epoch(2) == 0
    capped = Schedule(RunConfig(epochs=5, max_steps=2))
    capped.after_step(), capped.after_step()
    assert capped.done() and capped.is_last(0) and capped.checkpoint_due(0)


def test_console_prints_each_epoch_once(tmp_path, capsys):
    rows = [{"epoch": 0, "train_loss": 1.0, "samples_per_s": 10.0},
            {"epoch": 1, "train_loss": 0.5, "samples_per_s": 12.0}]
    sink = MetricsSink(str(tmp_path))
    sink.record(rows[0])
    with Console(str(tmp_path), lambda r: format_row(r, 3), bars=True, poll_s=0.01):
        progress = Progress(4, "epoch 2/3", str(tmp_path), interval_s=0.0)
        for _ in range(2):
            time.sleep(0.05)
            progress.update(5)
        time.sleep(0.05)
        sink.record(rows[1])
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [format_row(rows[1], 3)]  # epoch 1 was there before
    assert "epoch 2/3" in captured.err and "step/s" in captured.err  # the bar: rate and ETA
    assert json.loads((tmp_path / "progress.json").read_text())["desc"] == "epoch 2/3"


def test_metrics_sink_later_row_replaces_that_epoch_and_after(tmp_path):
    sink = MetricsSink(str(tmp_path))
    for e in range(3):
        sink.record({"epoch": e, "train_loss": 1.0 / (e + 1), "val_acc": 0.5 + e / 10})
    sink.close()
    again = MetricsSink(str(tmp_path))  # a resumed run, back at epoch 1's start
    again.record({"epoch": 1, "train_loss": 0.25, "val_acc": 0.9})
    rows = read_metrics(str(tmp_path / "metrics.csv"))
    assert [r["epoch"] for r in rows] == [0, 1]  # epoch 2 is not finished again yet
    assert rows[1]["train_loss"] == 0.25 and rows[0]["val_acc"] == pytest.approx(0.5)
    assert [h["epoch"] for h in read_history(str(tmp_path))] == [0, 1, 2, 1]  # the history keeps all


def test_metrics_sink_writes_history_and_rows_from_one_report(tmp_path):
    sink = MetricsSink(str(tmp_path))
    sink.record({"epoch": 0, "step": 5, "global_step": 5}, row=False)  # a mid-epoch checkpoint
    sink.record({"epoch": 0, "train_loss": torch.tensor(0.5), "note": "text", "lr": 0.1})
    sink.record({"global_step": 9})  # no epoch: history only
    sink.close()
    history = read_history(str(tmp_path))
    assert [sorted(h) for h in history] == [["epoch", "global_step", "step"],
                                            ["epoch", "lr", "note", "train_loss"], ["global_step"]]
    assert history[1]["train_loss"] == 0.5 and history[1]["note"] == "text"
    assert read_rows(str(tmp_path)) == [{"epoch": 0.0, "train_loss": 0.5, "lr": 0.1}]


def test_finish_run_writes_plot_and_summary(tmp_path):
    rows = [{"epoch": 0, "train_loss": 1.2, "val_acc": 0.5, "test_acc": 0.5, "samples_per_s": 100.0},
            {"epoch": 1, "train_loss": 0.8, "val_acc": 0.7, "test_acc": 0.68, "samples_per_s": 120.0}]
    summary = finish_run(str(tmp_path), "cluster_gcn", rows, 3.0, 2)
    png = (tmp_path / "plot.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["final"]["test_acc"] == 0.68 and saved["epochs"] == 2
    assert "test_acc 0.6800" in summary["line"] and "2 epochs on 2 replicas" in summary["line"]
