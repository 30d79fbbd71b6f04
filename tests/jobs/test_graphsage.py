"""The GraphSAGE job: the model on sampled blocks, replica shares, the sections, and runs end
to end through the CLI (planted graph over shard servers with 2 replicas; Cora from files)."""
import os

import numpy as np
import pytest
import torch

import distgnn.config.graphsage
from distgnn.cli import main
from distgnn.config import TrainConfig, config_from_dict
from distgnn.data import planted_partition
from distgnn.fields import ConfigError
from distgnn.jobs import read_metrics
from distgnn.jobs.graphsage import GraphSAGE, _step, replica_share
from distgnn.sampler import NeighborLoader


def test_blocks_with_full_neighbourhoods_equal_the_full_graph():
    g = planted_partition(120, 3, avg_degree=5, num_features=6, feature_noise=7.0, train_per_class=5, num_val=10,
                          num_test=10, seed=0)
    torch.manual_seed(0)
    model = GraphSAGE(6, 8, 3, num_layers=2, batch_norm=True, residual=True).eval()
    with torch.no_grad():
        full = model(g.x, g.edge_index)
        seeds = torch.tensor([0, 5, 17, 99])
        batch = NeighborLoader(g, [-1, -1]).sample(seeds)
        part = model(g.x[batch.n_id], blocks=batch.blocks)
    assert torch.allclose(part, full[seeds], atol=1e-5)


def test_empty_step_joins_without_changing_anything_but_adam_state():
    torch.manual_seed(0)
    model = GraphSAGE(4, 8, 2, num_layers=2, batch_norm=True)
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    assert _step(model, opt, None, 4, torch.device("cpu")) == (0.0, 0, 0, 0)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())


@pytest.mark.parametrize("world", [1, 2, 3])
def test_replica_shares_cover_every_node_once(world):
    nodes = np.arange(100, 203)
    shares = [replica_share(nodes, r, world, seed=4) for r in range(world)]
    assert sorted(np.concatenate(shares).tolist()) == nodes.tolist()
    sizes = [s.shape[0] for s in shares]
    assert max(sizes) - min(sizes) <= 1


def test_sections_and_fan_out_check():
    cfg = config_from_dict({"job": "graphsage", "model": {"num_layers": 3},
                            "sampler": {"num_neighbors": [5, 5, 5], "cache_mb": 8}})
    assert cfg.model.num_layers == 3 and cfg.sampler.cache_mb == 8.0
    with pytest.raises(ConfigError, match=r"sampler.num_neighbors: 2 fan-outs for "
                                         r"model.num_layers=3; .* -p sampler.num_neighbors=\[10,10,10\]"):
        config_from_dict({"job": "graphsage", "model": {"num_layers": 3}})
    with pytest.raises(ConfigError, match="aggr"):
        config_from_dict({"job": "graphsage", "model": {"aggr": "median"}})
    with pytest.raises(ConfigError, match="parts_per_batch"):
        config_from_dict({"job": "graphsage", "sampler": {"parts_per_batch": 2}})
    assert isinstance(TrainConfig(job="graphsage").model, distgnn.config.graphsage.GraphSAGEModel)


def test_batch_shrinks_to_the_least_steps_per_epoch():
    from distgnn.jobs.graphsage import AUTO_BATCH, batch_for_steps
    assert AUTO_BATCH == 1024
    assert batch_for_steps([800, 800], None, 20) == 40      # 1 step of 800 -> 20 of 40
    assert batch_for_steps([801, 800], None, 20) == 41      # the largest share decides
    assert batch_for_steps([30000], None, 20) == 1024       # 30 steps already
    assert batch_for_steps([800, 800], None, 0) == 1024     # 0: always AUTO_BATCH
    assert batch_for_steps([5], None, 20) == 1 and batch_for_steps([0], None, 20) == 1024
    assert batch_for_steps([800, 800], 70, 20) == 70        # a batch the user gave is kept
    assert config_from_dict({"job": "graphsage"}).sampler.batch_size is None


#: 4,000 planted nodes (8 blocks, the generator's feature noise 7), 800 training nodes,
#: fan-out [10, 5], 5 epochs at the job's defaults: the shrunk batch (20 steps of 40)
#: reached 0.763 / 0.805 / 0.821 (graph seeds 0 / 1 / 2), one step of 800 per epoch
#: (sampler.min_steps=0) 0.264 / 0.309 / 0.383; the floors sit between the two
SHRINK_GRAPH = dict(num_nodes=4000, num_blocks=8, feature_noise=7.0, train_per_class=100,
                    num_val=500, num_test=1000)
SHRINK_FLOOR, SHRINK_CEILING = 0.65, 0.45


@pytest.mark.slow
def test_default_batch_learns_where_one_step_per_epoch_does_not(tmp_path):
    from distgnn.jobs.graphsage import train_on_data

    g = planted_partition(**SHRINK_GRAPH, seed=0)
    acc = {}
    for min_steps in (20, 0):
        cfg = config_from_dict({"job": "graphsage", "sampler": {"num_neighbors": [10, 5],
                                                                "min_steps": min_steps},
                                "scaling": {"num_workers": 1, "mode": "local"},
                                "run": {"epochs": 5, "dir": str(tmp_path / str(min_steps)),
                                        "progress": False}})
        rows = train_on_data(g, cfg)
        assert rows[0]["steps_per_epoch"] == (20 if min_steps else 1)
        assert rows[0]["batch_size"] == (40 if min_steps else 1024)
        acc[min_steps] = rows[-1]["test_acc"]
    assert acc[20] >= SHRINK_FLOOR and acc[0] < SHRINK_CEILING, acc


def test_trains_on_an_in_memory_graph(tmp_path):
    from distgnn.jobs.graphsage import train_on_data

    g = planted_partition(600, 3, avg_degree=6, num_features=8, feature_noise=2.0,
                          train_per_class=40, num_val=60, num_test=150, seed=2)
    cfg = config_from_dict({"job": "graphsage", "model": {"hidden_channels": 16},
                            "sampler": {"num_neighbors": [5, 5], "batch_size": 32},
                            "scaling": {"num_workers": 1, "mode": "local"},
                            "run": {"epochs": 3, "lr": 0.02, "dir": str(tmp_path / "mem"),
                                    "progress": False}})
    rows = train_on_data(g, cfg)
    assert len(rows) == 3 and rows[-1]["test_nodes"] == 150 and rows[-1]["val_nodes"] == 60
    assert rows[-1]["test_acc"] > 0.7  # three planted blocks: chance is 1/3
    # no cache on an in-memory graph: every feature row of every batch is fetched
    last = rows[-1]
    assert last["cache_hit_rate"] == 0.0 and last["bytes_fetched"] >= 4 * 8 * last["train_nodes"]
    assert abs(last["sample_share"] + last["fetch_share"] + last["compute_share"] - 1.0) < 1e-6
    with pytest.raises(ValueError, match="runs job graphsage, got a config of job node2vec"):
        train_on_data(g, config_from_dict({"job": "node2vec"}))


# ---------------------------------------------------------------------- end to end (real Ray)
SMALL = ["job=graphsage", "data.generator.num_nodes=1200", "data.generator.num_blocks=4",
         "data.generator.num_features=16", "data.generator.train_per_class=60",
         "data.generator.num_val=150", "data.generator.num_test=301", "data.num_parts=4",
         "model.hidden_channels=32", "sampler.num_neighbors=[8,4]", "sampler.batch_size=64",
         "sampler.cache_mb=0.02", "run.lr=0.02", "run.progress=false", "scaling.num_workers=2"]


EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "configs", "graphsage.yaml")


def _train(run_dir, *overrides):
    argv = ["train", EXAMPLE, "-p", f"run.dir={run_dir}"]
    for o in overrides:
        argv += ["-p", o]
    return main(argv)


@pytest.mark.slow
@pytest.mark.ray
def test_planted_graph_two_replicas_through_shard_servers(tmp_path, suite_ray, capsys):
    from distgnn.partition import open_store

    run = tmp_path / "sage"
    assert _train(run, *SMALL, "run.epochs=3", "sampler.num_actors=2",
                  "sampler.cache_policy=warmup") == 0
    out = capsys.readouterr().out
    assert "sampler: 2 shard-server actors" in out
    rows = read_metrics(os.path.join(run, "metrics.csv"))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    last = rows[-1]
    store = open_store(os.path.join(run, "graph.zarr"))
    sh = [store.part(p) for p in range(store.num_parts)]
    count = {m: int(sum(s.masks[m].sum() for s in sh)) for m in ("train", "val", "test")}
    assert last["test_nodes"] == count["test"] == 301 and last["val_nodes"] == count["val"]
    assert last["train_nodes"] == count["train"]
    assert last["test_acc"] > 0.7  # four planted blocks: chance is 0.25
    assert 0 < last["cache_hit_rate"] < 1 and last["bytes_fetched"] > 0
    shares = last["sample_share"] + last["fetch_share"] + last["compute_share"]
    assert abs(shares - 1.0) < 1e-6

    # layer-wise inference over every node, then predictions keyed by the original ids
    assert main(["infer", str(run), "--workers", "2"]) == 0
    pred = tmp_path / "pred.parquet"
    assert main(["export", str(run), "--what", "predictions", "--out", str(pred)]) == 0
    import pyarrow.parquet as pq
    t = pq.read_table(str(pred))
    ids, p = t.column("id").to_numpy(), t.column("prediction").to_numpy()
    assert sorted(ids.tolist()) == list(range(store.num_nodes))
    new = store.to_new(ids)
    y = np.concatenate([s.y for s in sh])[new]
    test = np.concatenate([s.masks["test"] for s in sh])[new]
    assert (p[test] == y[test]).mean() > 0.7
    emb = tmp_path / "emb.zarr"
    assert main(["export", str(run), "--what", "embeddings", "--out", str(emb)]) == 0
    import zarr
    assert zarr.open_group(str(emb), mode="r")["embedding"].shape == (store.num_nodes, 32)


@pytest.mark.slow
@pytest.mark.ray
def test_in_process_store_reading_one_replica(tmp_path, suite_ray):
    run = tmp_path / "local"
    assert _train(run, *SMALL, "run.epochs=2", "sampler.num_actors=0", "scaling.num_workers=1",
                  "sampler.cache_mb=0", "model.batch_norm=true", "model.residual=true") == 0
    last = read_metrics(os.path.join(run, "metrics.csv"))[-1]
    assert last["test_nodes"] == 301 and last["test_acc"] > 0.7 and last["cache_hit_rate"] == 0


@pytest.mark.slow
@pytest.mark.ray
def test_cora_from_files(tmp_path, suite_ray, cora_root):
    from distgnn.data.planetoid import read_planetoid_data

    d = read_planetoid_data(cora_root, "cora")
    x = d.x / d.x.sum(1, keepdim=True).clamp(min=1)  # row-normalised, as usual for Planetoid
    files = {}
    for name, value in (("edges", d.edge_index), ("x", x), ("y", d.y), ("train", d.train_mask),
                        ("val", d.val_mask), ("test", d.test_mask)):
        files[name] = str(tmp_path / f"{name}.npy")
        np.save(files[name], value.numpy())
    store = tmp_path / "cora.zarr"
    assert main(["partition", files["edges"], "-k", "4", "-o", str(store), "-q",
                 "--features", files["x"], "--labels", files["y"],
                 "--masks", f"train={files['train']}", "--masks", f"val={files['val']}",
                 "--masks", f"test={files['test']}"]) == 0
    run = tmp_path / "run"
    assert _train(run, "job=graphsage", f"data.store={store}", "scaling.num_workers=1",
                  "sampler.num_actors=2", "model.hidden_channels=256", "model.dropout=0.6",
                  "sampler.num_neighbors=[10,10]", "sampler.eval_num_neighbors=[-1,-1]",
                  "sampler.batch_size=70", "run.epochs=40", "run.eval_every=40", "run.lr=0.005",
                  "run.weight_decay=0.0005", "run.progress=false") == 0
    last = read_metrics(os.path.join(run, "metrics.csv"))[-1]
    assert last["test_nodes"] == 1000 and last["val_nodes"] == 500
    assert last["test_acc"] >= 0.78


def test_hash_dropout_keeps_one_minus_p_and_recomputes_its_mask_backward():
    import numba

    from distgnn.ops.dropout import hash_dropout

    x = torch.rand(300, 257) + 0.5  # no zeros of its own: a zero in the output is a dropped element
    x.requires_grad_(True)
    torch.manual_seed(5)
    out = hash_dropout(x, 0.3)
    kept = out != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.01
    assert torch.allclose(out[kept], x.detach()[kept] / 0.7) and x.grad is None
    g = torch.randn_like(out)
    out.backward(g)
    assert torch.equal(x.grad, torch.where(kept, g * torch.tensor(1 / 0.7), torch.zeros(())))
    # the mask depends on the seed alone, not on the thread count
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        torch.manual_seed(5)
        assert torch.equal(hash_dropout(x, 0.3), out)
    finally:
        numba.set_num_threads(threads)
    assert not torch.equal(hash_dropout(x, 0.3), out)  # the next call draws another seed
    assert hash_dropout(x, 0.3, training=False) is x and hash_dropout(x, 0.0) is x
    with pytest.raises(ValueError, match=r"in \[0, 1\), got 1.0"):
        hash_dropout(x, 1.0)


def test_fused_relu_dropout_equals_relu_then_dropout():
    from distgnn.ops.dropout import hash_dropout

    x = torch.randn(200, 65, requires_grad=True)
    g = torch.randn(200, 65)
    torch.manual_seed(2)
    fused = hash_dropout(x, 0.4, relu=True)
    fused.backward(g)
    grad_fused, x.grad = x.grad, None
    torch.manual_seed(2)
    plain = hash_dropout(torch.relu(x), 0.4)
    plain.backward(g)
    assert torch.equal(fused, plain) and torch.equal(grad_fused, x.grad)
    assert torch.equal(hash_dropout(x, 0.4, training=False, relu=True), torch.relu(x))


def test_bar_figures_follow_the_cache_and_the_loader(tmp_path, capsys):
    import json
    import time

    from distgnn.jobs.graphsage import bar_figures
    from distgnn.jobs.progress import Console, Progress
    from distgnn.sampler import ShardClient
    from distgnn.sampler.feature_cache import FeatureCache

    g = planted_partition(300, 3, avg_degree=5, num_features=8, feature_noise=7.0, train_per_class=20, num_val=20,
                          num_test=20, seed=1)
    client = ShardClient.from_data(g)
    cache = FeatureCache(client, np.arange(150), 1.0)  # rows of nodes 0..149
    loader = NeighborLoader(client, [3, 2], batch_size=16, feature_cache=cache, edge_ids=False)
    batches = list(loader)
    n_id = np.concatenate([b.n_id.numpy() for b in batches])
    misses = int((n_id >= 150).sum())
    assert loader.timings["x_bytes"] == misses * 8 * 4
    loader.timings.update(sample_s=1.0, fetch_s=1.0)
    figures = bar_figures(loader, 2.0)
    assert figures == {"cache hit": f"{1 - misses / n_id.shape[0]:.2f}",
                       "fetched": f"{misses * 32 / 2 ** 20:,.0f} MB",
                       "sample/fetch/compute": "0.25/0.25/0.50"}
    plain = NeighborLoader(client, [3, 2], batch_size=16)
    assert bar_figures(plain, 0.0)["cache hit"] == "-"

    with Console(str(tmp_path), lambda r: "", bars=True, poll_s=0.01):
        progress = Progress(3, "epoch 1/1", str(tmp_path), interval_s=0.0,
                            figures=lambda: {"cache hit": "0.93", "fetched": "12 MB"})
        for _ in range(2):
            time.sleep(0.05)
            progress.update(5)
        time.sleep(0.05)
    assert json.loads((tmp_path / "progress.json").read_text())["figures"] == {
        "cache hit": "0.93", "fetched": "12 MB"}
    assert "cache hit 0.93, fetched 12 MB" in capsys.readouterr().err
