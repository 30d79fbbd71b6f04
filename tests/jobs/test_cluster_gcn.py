"""The ClusterGCN job of `distgnn train`, run in one process: it learns, evaluates every test
node, pads nothing with one replica, and a run stopped mid-epoch resumes to the same model; the
batches read from the store equal ClusterLoader's, and the model gives the same output and
gradients on their prepared adjacency as on the edge list."""
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


def test_cluster_adjacency_by_hand():
    import numpy as np
    from torch_sparse import SparseTensor

    from distgnn.sampler.cluster import batch_offsets, cluster_adjacency

    # a 4-cycle 0-1-2-3-0 in two parts [0, 2) and [2, 4); CSR rows list in-neighbours
    ranges = np.array([0, 2, 4])
    rowptr, col = np.array([0, 2, 4, 6, 8]), np.array([1, 3, 0, 2, 1, 3, 0, 2], np.int32)
    ptr, row, c, val, colptr, csr2csc = cluster_adjacency(
        rowptr, col, ranges, batch_offsets(ranges, np.array([0, 1])), np.float32(2.0))
    dense = torch.zeros(4, 4)
    dense[row, c] = torch.from_numpy(val)
    third = 1.0 / 3.0  # degree 2 + the self-loop; lambda = 1 doubles the loop
    expect = torch.tensor([[2, 1, 0, 1], [1, 2, 1, 0], [0, 1, 2, 1], [1, 0, 1, 2]]) * third
    torch.testing.assert_close(dense, expect.float())
    ref = SparseTensor(row=torch.from_numpy(row), col=torch.from_numpy(c), sparse_sizes=(4, 4))
    assert torch.equal(ref.storage.colptr(), torch.from_numpy(colptr))
    assert torch.equal(ref.storage.csr2csc(), torch.from_numpy(csr2csc))
    # part 1 alone: nodes 2, 3 at batch positions 0, 1, each with one in-edge left
    rp = np.array([0, 2, 4])
    ptr, row, c, val, _, _ = cluster_adjacency(rp, col[4:], ranges,
                                               batch_offsets(ranges, np.array([1])), np.float32(1.0))
    dense = torch.zeros(2, 2)
    dense[row, c] = torch.from_numpy(val)
    torch.testing.assert_close(dense, torch.full((2, 2), 0.5))


@pytest.mark.parametrize("diag_lambda", [0.0, 1.5])
def test_store_batches_equal_the_loader_and_the_model_agrees(store, diag_lambda):
    from distgnn.jobs.cluster_batches import StoreClusterBatches
    from distgnn.jobs.cluster_gcn import ClusterGCN
    from distgnn.sampler import ClusterLoader

    ours = StoreClusterBatches(store, 2, True, seed=3, rank=1, world_size=2,
                               loop_value=1.0 + diag_lambda)
    ref = ClusterLoader(store, num_parts_per_batch=2, shuffle=True, seed=3, rank=1, world_size=2)
    torch.manual_seed(0)
    model = ClusterGCN(8, 16, 3, diag_lambda=diag_lambda)
    seen = 0
    for epoch in range(2):
        for a, b in zip(ours, ref):
            assert torch.equal(a.n_id, b.n_id)
            assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
            assert all(torch.equal(a[m], b[m]) for m in ("train", "val", "test"))
            model.eval()
            torch.testing.assert_close(model(a.x, a.adj), model(b.x, b.edge_index))
            model.train()
            grads = []
            for x, adj in ((a.x, a.adj), (b.x, b.edge_index)):
                torch.manual_seed(epoch)
                grads.append(torch.autograd.grad(model(x, adj).square().sum(), list(model.parameters())))
            for g1, g2 in zip(*grads):
                torch.testing.assert_close(g1, g2, rtol=1e-4, atol=1e-5)
            seen += 1
    assert seen == 2 * 2  # 7 parts in 4 groups, rank 1 of 2 takes 2 each epoch
    ours.close()
    ref.close()


def test_paper_layer_keeps_the_root_weight_at_zero(store, tmp_path):
    _, state, rows = _run(store, tmp_path / "paper", "model.root_weight=false", "run.epochs=2")
    for key, value in state.items():
        if key.endswith("root_weight"):
            assert not value.any(), key
    assert rows[-1]["test_acc"] > 0.6  # 3 classes: chance is 1/3


def test_one_replica_from_the_store_runs_without_ray(store, tmp_path, capsys):
    import sys

    from distgnn.jobs import run_job
    from distgnn.jobs.runner import needs_ray

    cfg = load_config(None, GRAPH + [f"data.store={store}", f"run.dir={tmp_path / 'run'}",
                                     "run.epochs=1"])
    assert not needs_ray(cfg)
    assert needs_ray(load_config(None, GRAPH + ["scaling.num_workers=2"]))
    assert needs_ray(load_config(None, GRAPH + ["sampler.num_actors=1"]))
    assert needs_ray(load_config(None, ["job=node2vec"]))
    ray = sys.modules.get("ray")
    was = bool(ray and ray.is_initialized())
    summary = run_job(cfg)
    out = capsys.readouterr().out
    assert "ray:" not in out and "test accuracy:" in out
    assert summary["final"]["test_nodes"] == 101
    ray = sys.modules.get("ray")
    assert bool(ray and ray.is_initialized()) == was


def test_evaluation_on_all_parts_is_the_whole_graph_forward(store, tmp_path):
    import numpy as np

    from distgnn.partition import open_store

    _, state, rows = _run(store, tmp_path / "whole", "sampler.eval_parts_per_batch=7",
                          "run.epochs=1")
    from distgnn.jobs.cluster_gcn import ClusterGCN
    model = ClusterGCN(8, 16, 3)
    model.load_state_dict(state)
    model.eval()
    s = open_store(store)
    parts = [s.part(p) for p in range(s.num_parts)]
    x = torch.from_numpy(np.concatenate([p.x for p in parts]))
    y = torch.from_numpy(np.concatenate([p.y for p in parts]))
    test = torch.from_numpy(np.concatenate([p.masks["test"] for p in parts]))
    dst = np.concatenate([np.repeat(np.arange(p.lo, p.hi), np.diff(p.rowptr)) for p in parts])
    src = np.concatenate([p.col for p in parts]).astype(np.int64)
    with torch.no_grad():
        pred = model(x, torch.from_numpy(np.stack([src, dst]))).argmax(-1)
    correct = int((pred[test] == y[test]).sum())
    assert rows[-1]["test_nodes"] == 101
    assert round(rows[-1]["test_acc"] * 101) == correct
