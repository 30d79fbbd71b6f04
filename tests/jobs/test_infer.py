"""Layer-wise inference equals the full-graph forward pass and covers every node once."""
import os

import numpy as np
import pytest
import torch
import zarr

from distgnn.data import planted_partition
from distgnn.jobs.cluster_gcn import ClusterGCN
from distgnn.jobs.graphsage import GraphSAGE
from distgnn.jobs.infer import (infer_range, layer_steps, local_block, node_ranges_of, open_inference,
                                run_inference)
from distgnn.ownership import OwnershipError
from distgnn.partition import open_store, partition_graph, write_store
from distgnn.sampler import ShardClient


@pytest.fixture(scope="module")
def graph():
    return planted_partition(300, 3, avg_degree=6, num_features=8, feature_noise=7.0, train_per_class=10,
                             num_val=30, num_test=60, seed=1)


@pytest.fixture(scope="module")
def store(tmp_path_factory, graph):
    path = tmp_path_factory.mktemp("infer") / "g.zarr"
    part = partition_graph(graph.edge_index, graph.num_nodes, 3, method="metis", seed=0)
    write_store(path, graph.edge_index, graph.num_nodes, part, x=graph.x, y=graph.y,
                masks={"train": graph.train_mask}, method="metis")
    return open_store(path)


def _store_numbered(graph, store):
    orig = torch.from_numpy(store.orig_ids)
    new = torch.from_numpy(store.to_new(np.arange(graph.num_nodes)))
    return graph.x[orig], new[graph.edge_index]


def _models():
    torch.manual_seed(0)
    sage = GraphSAGE(8, 16, 3, num_layers=3, dropout=0.5, batch_norm=True, residual=True)
    for norm in sage.norms:  # non-trivial running statistics
        norm.running_mean.uniform_(-1, 1)
        norm.running_var.uniform_(0.5, 2)
    sage_max = GraphSAGE(8, 16, 3, num_layers=2, aggr="max")
    gcn = ClusterGCN(8, 16, 3, num_layers=2, diag_lambda=0.5)
    return {"sage": sage, "sage_max": sage_max, "cluster_gcn": gcn}


def test_local_block_hand_computed():
    # targets 10, 11; 10 <- {11, 4}, 11 <- {10, 20, 4}
    n_id, ei = local_block(10, 12, np.array([2, 3]), np.array([11, 4, 10, 20, 4]))
    assert n_id.tolist() == [10, 11, 4, 20]
    assert ei.tolist() == [[1, 2, 0, 3, 2], [0, 0, 1, 1, 1]]


def test_node_ranges_are_chunk_aligned_and_cover():
    r = node_ranges_of(1000, 64, 3)
    assert r[0][0] == 0 and r[-1][1] == 1000
    assert all(a % 64 == 0 for a, _ in r) and all(b == c for (_, b), (c, _) in zip(r, r[1:]))
    assert sorted(b - a for a, b in node_ranges_of(10, 64, 2)) == [0, 10]  # one chunk, one worker


@pytest.mark.parametrize("name", ["sage", "sage_max", "cluster_gcn"])
@pytest.mark.parametrize("workers", [1, 2])
def test_equals_full_graph_forward(tmp_path, graph, store, name, workers):
    model = _models()[name].eval()
    x, ei = _store_numbered(graph, store)
    with torch.no_grad():
        expect = model(x, ei)
    out = tmp_path / "inference.zarr"
    meta = run_inference(model, store.path, str(out), store.num_nodes, batch_size=40,
                         num_workers=workers, job=name)
    assert sum(meta["rows_per_worker"]) == graph.num_nodes and meta["job"] == name
    assert len(meta["rows_per_worker"]) == workers and min(meta["rows_per_worker"]) > 0
    group, meta2 = open_inference(str(out))
    assert group["layer_0"].chunks[0] == meta2["chunk_rows"] == 8  # gcd(40, 256): ranges never share one
    last = group[f"layer_{meta2['num_layers'] - 1}"][:]
    assert last.shape == tuple(expect.shape)
    assert np.allclose(last, expect.numpy(), atol=1e-5, rtol=1e-4)


def test_every_node_once_and_hidden_layers(graph, store):
    model = _models()["sage"].eval()
    client = ShardClient.from_store(store.path)
    x, ei = _store_numbered(graph, store)
    step = layer_steps(model)[0]
    seen = np.zeros(graph.num_nodes, np.int64)
    got = np.zeros((graph.num_nodes, 16), np.float32)

    def write(a, b, rows):
        seen[a:b] += 1
        got[a:b] = rows

    for lo, hi in node_ranges_of(graph.num_nodes, 32, 3):
        infer_range(step, client, lambda ids, n: client.fetch("x", ids), lo, hi, 32, write)
    assert (seen == 1).all()
    with torch.no_grad():
        expect = model.layer(0, x, ei)
    assert np.allclose(got, expect.numpy(), atol=1e-5)


def test_refuses_foreign_directories_and_partial_outputs(tmp_path, store):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("user data")
    with pytest.raises(OwnershipError, match="not written by distgnn"):
        run_inference(_models()["sage_max"].eval(), store.path, str(foreign), store.num_nodes)
    assert (foreign / "keep.txt").read_text() == "user data"
    partial = tmp_path / "partial.zarr"
    zarr.open_group(str(partial), mode="w")
    with pytest.raises(ValueError, match="no complete inference output"):
        open_inference(str(partial))
    with pytest.raises(TypeError, match="a model with num_layers and layer.* got Linear"):
        run_inference(torch.nn.Linear(2, 2), store.path, str(tmp_path / "x.zarr"), store.num_nodes)


@pytest.mark.slow
@pytest.mark.ray
def test_cluster_gcn_run_then_infer_equals_its_checkpointed_model(tmp_path):
    from distgnn.cli import main
    from distgnn.distributed.checkpoint import load_checkpoint

    run = tmp_path / "gcn"
    config = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "configs", "cluster_gcn.yaml")
    argv = ["train", config, "-p", f"run.dir={run}", "-p", "run.epochs=1", "-p", "run.progress=false",
            "-p", "scaling.num_workers=1", "-p", "data.num_parts=4", "-p", "model.hidden_channels=8"]
    for o in ("num_nodes=400", "num_blocks=4", "num_features=8", "train_per_class=20",
              "num_val=40", "num_test=80"):
        argv += ["-p", f"data.generator.{o}"]
    assert main(argv) == 0
    assert main(["infer", str(run), "--batch-size", "64"]) == 0
    store = open_store(str(run / "graph.zarr"))
    sh = [store.part(p) for p in range(store.num_parts)]
    x = torch.from_numpy(np.concatenate([s.x for s in sh]))
    src = np.concatenate([s.col for s in sh]).astype(np.int64)
    dst = np.concatenate([np.repeat(np.arange(s.lo, s.hi), np.diff(s.rowptr)) for s in sh])
    model = ClusterGCN(8, 8, 4, num_layers=2)
    model.load_state_dict(load_checkpoint(str(run))["model"])
    with torch.no_grad():
        expect = model.eval()(x, torch.from_numpy(np.stack([src, dst])))
    group, meta = open_inference(str(run / "inference.zarr"))
    assert meta["job"] == "cluster_gcn" and meta["embedding_layer"] == 0
    assert np.allclose(group["layer_1"][:], expect.numpy(), atol=1e-4, rtol=1e-4)
