"""Jobs on real Ray replicas: evaluation covers every node for 1, 2 and 3 replicas on a store
whose group count none of them divides (2: in the run whose replica is killed); a replica killed
mid-run is recovered with run.max_failures=1; the demo prints one line per epoch and none of Ray's."""
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from distgnn.cli import main
from distgnn.config import load_config
from distgnn.jobs import prepare_store, read_metrics
from distgnn.partition import open_store

from fault_helpers import own_ray_pids

pytestmark = [pytest.mark.slow, pytest.mark.ray, pytest.mark.usefixtures("suite_ray")]

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "jobs" / "small.yaml"
# 5 parts in groups of 1: 5 groups, not divisible by 2 or 3
GRAPH = ["data.generator.num_nodes=900", "data.generator.num_blocks=3",
         "data.generator.train_per_class=30", "data.generator.num_val=101",
         "data.generator.num_test=203", "data.num_parts=5", "data.method=random",
         "sampler.parts_per_batch=1", "run.progress=false"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    cfg = load_config(str(SMALL), GRAPH + [f"data.output={root / 'g.zarr'}", f"run.dir={root / 'r'}"])
    return prepare_store(cfg, log=lambda *_: None)


def _mask_counts(path):
    s = open_store(path)
    parts = [s.part(p) for p in range(s.num_parts)]
    return {m: int(sum(np.asarray(p.masks[m]).sum() for p in parts)) for m in ("train", "val", "test")}


def _train(store, run_dir, *extra):
    argv = ["train", str(SMALL), "-p", f"data.store={store}", "-p", f"run.dir={run_dir}"]
    for o in GRAPH + list(extra):
        argv += ["-p", o]
    return main(argv)


def _check_every_node_evaluated(store, run, out):
    row = read_metrics(str(run / "metrics.csv"))[-1]
    counts = _mask_counts(store)
    assert counts == {"train": 90, "val": 101, "test": 203}
    assert {m: int(row[f"{m}_nodes"]) for m in counts} == counts
    assert "203 test nodes evaluated" in out


@pytest.mark.parametrize("world", [1, 3])
def test_evaluation_covers_every_node(store, tmp_path, world, capsys):
    assert _train(store, tmp_path / "run", f"scaling.num_workers={world}", "run.epochs=1") == 0
    _check_every_node_evaluated(store, tmp_path / "run", capsys.readouterr().out)


def test_killed_replica_is_recovered_with_max_failures(store, tmp_path, capsys):
    run = tmp_path / "run"
    killed = {}

    def kill_after_first_epoch():
        deadline = time.time() + 300
        while time.time() < deadline:
            rows = read_metrics(str(run / "metrics.csv"))
            pids = own_ray_pids("RayTrainWorker")
            if rows and pids:
                killed["epochs_before"] = len(rows)
                os.kill(pids[-1], signal.SIGKILL)
                killed["pid"] = pids[-1]
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_after_first_epoch, daemon=True)
    killer.start()
    code = _train(store, run, "scaling.num_workers=2", "run.epochs=12", "run.max_failures=1",
                  "run.eval_every=12")
    killer.join()
    assert "pid" in killed and killed["epochs_before"] < 12
    assert code == 0
    rows = read_metrics(str(run / "metrics.csv"))
    assert [int(r["epoch"]) for r in rows] == list(range(12))
    assert rows[-1]["test_acc"] > 0.5
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("test accuracy: ")
    _check_every_node_evaluated(store, run, out)  # 2 replicas, 5 groups


def test_demo_prints_one_line_per_epoch_and_nothing_of_ray(tmp_path):
    small = ["data.generator.num_nodes=1500", "data.generator.train_per_class=40",
             "data.generator.num_val=200", "data.generator.num_test=300", "data.num_parts=8",
             "run.epochs=3", "run.eval_every=1", f"run.dir={tmp_path / 'demo'}",
             f"data.output={tmp_path / 'demo-graph.zarr'}"]
    argv = [sys.executable, "-m", "distgnn.demo"] + [a for o in small for a in ("-p", o)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_ADDRESS")}
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    epoch_lines = [ln for ln in lines if ln.startswith("epoch ")]
    assert [ln.split(" |")[0] for ln in epoch_lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    # no second copy from a worker, prefixed or not
    assert sum(re.search(r"epoch \d+/3", ln) is not None for ln in lines) == 3
    assert "Reporting training result" not in proc.stdout + proc.stderr
    assert "RayTrainWorker" not in proc.stdout + proc.stderr
    assert "PreemptionWatcher" not in proc.stdout + proc.stderr
    assert lines[-1].startswith("test accuracy: 0.")
