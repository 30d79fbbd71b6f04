"""The ClusterGCN job of `distgnn train`, run in one process: it learns, evaluates every test
node, pads nothing with one replica, and a run stopped mid-epoch resumes to the same model."""
import pytest
import torch

from distgnn.config import load_config
from distgnn.distributed import latest_checkpoint, load_checkpoint
from distgnn.jobs import JobInputs, prepare_store, read_metrics
from distgnn.jobs.cluster_gcn import cluster_gcn_replica
from distgnn.jobs.replicas import run_replicas

GRAPH = ["data.generator.num_nodes=600", "data.generator.num_blocks=3",
         "data.generator.train_per_class=30", "data.generator.num_val=60",
         "data.generator.num_test=101", "data.generator.num_features=8", "data.num_parts=7",
         "data.method=random", "sampler.parts_per_batch=2", "sampler.prefetch=1",
         "model.hidden_channels=16", "run.epochs=3", "run.lr=0.02",
         "run.checkpoint_every_steps=3", "run.progress=false"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("gcn")
    cfg = load_config(None, GRAPH + [f"data.output={root / 'g.zarr'}", f"run.dir={root / 'r'}"])
    return prepare_store(cfg, log=lambda *_: None)


def _run(store, run_dir, *extra):
    cfg = load_config(None, GRAPH + [f"data.store={store}", f"run.dir={run_dir}", *extra])
    run_replicas(cfg, cluster_gcn_replica, JobInputs(cfg, store, store))
    state = load_checkpoint(latest_checkpoint(str(run_dir)))
    return state["position"], state["model"], read_metrics(str(run_dir / "metrics.csv"))


def test_stopped_mid_epoch_resumes_to_the_same_model(store, tmp_path):
    steps = 4  # 7 parts in groups of 2
    pos, full, rows = _run(store, tmp_path / "full")
    assert pos == {"epoch": 3, "step": 0, "global_step": 3 * steps}
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert rows[-1]["test_nodes"] == 101 and rows[-1]["val_nodes"] == 60
    pos, _, _ = _run(store, tmp_path / "part", "run.max_steps=6")
    assert pos == {"epoch": 1, "step": 2, "global_step": 6}
    pos, rest, rows = _run(store, tmp_path / "part", "run.resume=true")
    assert pos == {"epoch": 3, "step": 0, "global_step": 3 * steps}
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key in full:
        torch.testing.assert_close(rest[key], full[key])
