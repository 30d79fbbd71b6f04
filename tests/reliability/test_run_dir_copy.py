"""The config saved in a run directory names paths relative to it: a copied run directory
resumed without -p run.dir reads and writes the copy, and the original stays as it was."""
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from distgnn.cli import main
from distgnn.config import load_config, save_config
from distgnn.jobs.data_stage import data_fingerprint, store_path
from distgnn.distributed.metrics import read_metrics
from distgnn.ownership import mark_owned

ROOT = Path(__file__).resolve().parents[2]


def test_saved_paths_follow_a_copied_run_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("edges.npy", np.array([[0, 1], [1, 2]]))
    np.save("train.npy", np.array([True, False, True]))
    run = tmp_path / "runs" / "a"
    mark_owned(str(run), "run")
    cfg = load_config(None, ["run.dir=runs/a", "data.input=edges.npy", "data.masks=[train=train.npy]"])
    save_config(cfg, str(run / "config.yaml"))
    fingerprint = data_fingerprint(cfg)
    saved = yaml.safe_load((run / "config.yaml").read_text())
    assert saved["run"]["dir"] == "."
    assert saved["data"]["input"] == str(tmp_path / "edges.npy")
    assert saved["data"]["masks"] == [f"train={tmp_path / 'train.npy'}"]

    copy = tmp_path / "elsewhere" / "b"
    shutil.copytree(run, copy)
    monkeypatch.chdir(tmp_path / "elsewhere")  # resumed from another directory
    again = load_config(str(copy / "config.yaml"))
    assert again.run.dir == str(copy) and store_path(again) == str(copy / "graph.zarr")
    assert again.data.input == str(tmp_path / "edges.npy")
    assert data_fingerprint(again) == fingerprint  # the store is still the run's own
    # -p on the command line is still relative to where it runs
    assert load_config(str(copy / "config.yaml"), ["run.dir=c"]).run.dir == "c"
    # a config kept outside a run directory reads its paths as written
    shutil.copy(copy / "config.yaml", tmp_path / "plain.yaml")
    assert load_config(str(tmp_path / "plain.yaml")).run.dir == "."


@pytest.mark.slow
@pytest.mark.ray
def test_copied_run_directory_resumes_into_the_copy(tmp_path, monkeypatch, local_ray):
    monkeypatch.chdir(tmp_path)
    small = ["data.generator.num_nodes=400", "data.generator.num_blocks=4",
             "data.generator.num_features=8", "data.generator.train_per_class=20",
             "data.generator.num_val=50", "data.generator.num_test=100", "data.num_parts=4",
             "model.hidden_channels=8", "scaling.num_workers=1", "run.progress=false"]
    argv = ["train", str(ROOT / "examples" / "configs" / "cluster_gcn.yaml"), "-p", "run.dir=runs/a"]
    assert main(argv + [a for o in small + ["run.epochs=1"] for a in ("-p", o)]) == 0
    shutil.copytree(tmp_path / "runs" / "a", tmp_path / "copy")
    before = sorted(os.listdir(tmp_path / "runs" / "a"))
    assert main(["train", str(tmp_path / "copy" / "config.yaml"), "--resume",
                 "-p", "run.epochs=2"]) == 0
    assert len(read_metrics(str(tmp_path / "copy" / "metrics.csv"))) == 2
    assert len(read_metrics(str(tmp_path / "runs" / "a" / "metrics.csv"))) == 1
    assert sorted(os.listdir(tmp_path / "runs" / "a")) == before
