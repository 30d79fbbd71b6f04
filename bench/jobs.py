"""The GraphSAGE and ClusterGCN jobs through the CLI against torch_geometric 2.8.1 scripts.

    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/jobs.py [--nodes 2000000] [--degree 15]
        [--epochs 3] [--parts 64] [--skip graphsage,cluster_gcn,paths] [--workdir DIR]

One planted-partition graph (``--nodes``, average degree ``--degree`` -> about
nodes * degree directed edges after symmetrising; 32 class-correlated features,
16 classes, half the nodes for training) is generated once with ``distgnn
generate`` (Parquet edges + .npy features/labels/masks). Then, each measured
as a separate process tree (peak memory = the largest sum of RSS over the
process and all its descendants, Ray's workers included, sampled every 0.2 s):

* graphsage -- ``distgnn partition`` + ``distgnn train -p job=graphsage``
  (2-layer SAGE, hidden 256, fan-out [15, 10], batch 1024, 1 replica, store read
  in-process; then over 2 shard-server actors without and with the cache) vs PyG
  ``NeighborLoader`` + ``SAGEConv`` in one process (every layer over every sampled
  node: without pyg-lib the loader gives no per-hop counts for ``trim_to_layer``;
  timed over its first batches) and PyG's ``NeighborSampler`` with the same model in
  bipartite form: epoch time, peak memory, test accuracy (every test node, same
  fan-outs); rows are kept in ``graphsage_rows.json`` in the workdir, so ``--skip``
  of row keys (ours, peer_loader, peer_blocks, actors_nocache, actors_cache64,
  actors_cache256, or actors) splits the bench over several invocations;
* paths -- sampling + feature fetch of the GraphSAGE batches: in-process store
  vs 2 shard-server actors, each without and with the feature cache;
* cluster_gcn -- ``distgnn partition`` (``--method``, ``--partition-arg``) + ``distgnn
  train`` (64 parts, 8 per batch, 2 layers, hidden 64, 1 replica reading the store;
  ``--cgcn KEY=VALUE`` adds overrides) vs pymetis + PyG ``SAGEConv`` on cluster
  batches in one process; whole run = wall time of the two distgnn processes vs
  the script's process (reading the files, METIS, epochs, evaluation).

Ratios are distgnn / peer (time, memory) and distgnn - peer (accuracy).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
PY = sys.executable
DISTGNN = [PY, "-m", "distgnn.cli"]
CLASSES, FEATURES = 16, 32


# ---------------------------------------------------------------------- measuring a process tree
def _tree_rss(proc) -> int:
    import psutil
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_measured(argv: Sequence[str], env: Optional[dict] = None) -> Tuple[str, float, float]:
    """Run ``argv``; returns ``(stdout, seconds, peak MB of the whole process tree)``."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT, env={**os.environ, **(env or {})})
    ps = psutil.Process(proc.pid)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(ps))
            done.wait(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    done.set()
    watcher.join()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode}:\n{out[-4000:]}")
    return out, seconds, peak[0] / 2**20


def last_json(out: str) -> dict:
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON result line in:\n{out[-2000:]}")


# ---------------------------------------------------------------------- the shared input
def generate(workdir: str, nodes: int, degree: float) -> Dict[str, str]:
    stem = os.path.join(workdir, "edges")
    files = {"edges": stem + ".parquet", "x": stem + "_features.npy", "y": stem + "_labels.npy",
             **{m: f"{stem}_{m}_mask.npy" for m in ("train", "val", "test")}}
    if all(os.path.exists(f) for f in files.values()):
        return files
    train_per_class = nodes // 2 // CLASSES
    rest = nodes - train_per_class * CLASSES
    subprocess.run(DISTGNN + ["generate", f"planted:{nodes}:{CLASSES}:{degree}", "--out",
                              files["edges"], "--num-features", str(FEATURES), "--feature-noise",
                              "2.0", "--train-per-class", str(train_per_class), "--num-val",
                              str(rest // 5), "--num-test", str(rest // 2), "--overwrite", "-q"],
                   check=True, cwd=ROOT)
    return files


def partition(files: Dict[str, str], store: str, parts: int, method: str = "auto",
              extra: Sequence[str] = ()) -> Tuple[float, float]:
    """``distgnn partition`` of the generated files (its figures kept beside the store for reruns)."""
    record = store + ".bench.json"
    if os.path.exists(os.path.join(store, "zarr.json")) and os.path.exists(record):
        with open(record) as f:
            kept = json.load(f)
        return kept["seconds"], kept["peak_mb"]
    _, seconds, peak = run_measured(DISTGNN + [
        "partition", files["edges"], "-k", str(parts), "-o", store, "--features", files["x"],
        "--labels", files["y"], "--masks", f"train={files['train']}", "--masks",
        f"val={files['val']}", "--masks", f"test={files['test']}", "--method", method,
        *extra, "--overwrite", "-q"])
    with open(record, "w") as f:
        json.dump({"seconds": seconds, "peak_mb": peak}, f)
    return seconds, peak


def distgnn_train(store: str, run_dir: str, config: str, overrides: Sequence[str]) -> Tuple[dict, float]:
    import shutil

    from distgnn.jobs import read_metrics

    shutil.rmtree(run_dir, ignore_errors=True)
    argv = DISTGNN + ["train", os.path.join(ROOT, "examples", "configs", config), "-p",
                      f"data.store={store}", "-p", f"run.dir={run_dir}", "-p", "run.progress=false"]
    for o in overrides:
        argv += ["-p", o]
    _, seconds, peak = run_measured(argv)
    rows = read_metrics(os.path.join(run_dir, "metrics.csv"))
    return {"epoch_s": [r["epoch_time_s"] for r in rows], "test_acc": rows[-1]["test_acc"],
            "row": rows[-1], "wall_s": seconds}, peak


# ---------------------------------------------------------------------- peers (separate processes)
def _peer_data(files: Dict[str, str]):
    import numpy as np
    import pyarrow.parquet as pq
    import torch
    from torch_geometric.data import Data
    from torch_geometric.utils import coalesce, remove_self_loops, to_undirected

    t = pq.read_table(files["edges"])
    ei = torch.from_numpy(np.stack([t.column(0).to_numpy(), t.column(1).to_numpy()]).astype(np.int64))
    del t
    x = torch.from_numpy(np.load(files["x"]))
    n = x.size(0)
    ei, _ = remove_self_loops(ei)
    ei = coalesce(to_undirected(ei, num_nodes=n), num_nodes=n)
    masks = {m: torch.from_numpy(np.load(files[m])) for m in ("train", "val", "test")}
    return Data(x=x, y=torch.from_numpy(np.load(files["y"])).long(), edge_index=ei, num_nodes=n,
                **{f"{m}_mask": v for m, v in masks.items()})


def peer_sage(hidden: int):
    """The peers' model: 2 PyG 2.8.1 SAGEConv layers, ReLU and dropout 0.5 between them."""
    import torch
    import torch.nn.functional as F
    from torch_geometric.nn import SAGEConv

    class SAGE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = torch.nn.ModuleList([SAGEConv(FEATURES, hidden), SAGEConv(hidden, CLASSES)])

        def forward(self, x, edge_index):
            x = F.dropout(F.relu(self.convs[0](x, edge_index)), 0.5, self.training)
            return self.convs[1](x, edge_index)

        def blocks(self, x, adjs):
            """The bipartite form: layer ``i`` computes only the targets of hop ``i``."""
            for i, (edge_index, _, size) in enumerate(adjs):
                x = self.convs[i]((x, x[:size[1]]), edge_index)
                if i == 0:
                    x = F.dropout(F.relu(x), 0.5, self.training)
            return x

    return SAGE()


def peer_graphsage(files: Dict[str, str], epochs: int, blocks: bool = False) -> None:
    """The PyG 2.8.1 peer in one process; prints one JSON line (epoch seconds, test accuracy).

    ``DISTGNN_BENCH_PEER_BATCHES=N`` (set by :func:`bench_graphsage` for the NeighborLoader
    peer, whose epoch on the 2M-node graph takes longer than a bench slot) times the first
    N training batches after one untimed warm-up batch and reports the epoch time as the
    mean batch time x the batches of an epoch, with no accuracy."""
    import torch
    import torch.nn.functional as F
    from torch_geometric.loader import NeighborLoader

    torch.manual_seed(0)
    data = _peer_data(files)

    model = peer_sage(256)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    if blocks:
        return _peer_blocks(model, opt, data, epochs)
    train = NeighborLoader(data, [15, 10], batch_size=1024, input_nodes=data.train_mask, shuffle=True)
    cap = int(os.environ.get("DISTGNN_BENCH_PEER_BATCHES", "0"))

    def step(b):
        opt.zero_grad()
        out = model(b.x, b.edge_index)[:b.batch_size]
        F.cross_entropy(out, b.y[:b.batch_size]).backward()
        opt.step()

    model.train()
    if cap:
        it = iter(train)
        step(next(it))  # warm-up, untimed
        t0, timed = time.perf_counter(), 0
        for _, b in zip(range(cap), it):
            step(b)
            timed += 1
        per = (time.perf_counter() - t0) / max(timed, 1)
        cap = timed
        print(json.dumps({"epoch_s": [per * len(train)] * epochs, "test_acc": None, "test_nodes": 0,
                          "batches_timed": cap}))
        return
    test = NeighborLoader(data, [15, 10], batch_size=4096, input_nodes=data.test_mask)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        for b in train:
            step(b)
        times.append(time.perf_counter() - t0)
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for b in test:
            pred = model(b.x, b.edge_index)[:b.batch_size].argmax(-1)
            correct += int((pred == b.y[:b.batch_size]).sum())
            total += b.batch_size
    print(json.dumps({"epoch_s": times, "test_acc": correct / total, "test_nodes": total}))


def _peer_blocks(model, opt, data, epochs: int) -> None:
    """PyG 2.8.1's ``NeighborSampler`` (bipartite adjacencies per hop, what runs without pyg-lib's
    hierarchical sampling) with the same model in its bipartite form."""
    import torch
    import torch.nn.functional as F
    from torch_geometric.loader import NeighborSampler

    train_idx = torch.nonzero(data.train_mask).view(-1)
    test_idx = torch.nonzero(data.test_mask).view(-1)
    train = NeighborSampler(data.edge_index, node_idx=train_idx, sizes=[15, 10], batch_size=1024,
                            shuffle=True, num_nodes=data.num_nodes)  # sizes: first hop first
    test = NeighborSampler(data.edge_index, node_idx=test_idx, sizes=[15, 10], batch_size=4096,
                           num_nodes=data.num_nodes)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        for bs, n_id, adjs in train:
            opt.zero_grad()
            F.cross_entropy(model.blocks(data.x[n_id], adjs), data.y[n_id[:bs]]).backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for bs, n_id, adjs in test:
            correct += int((model.blocks(data.x[n_id], adjs).argmax(-1) == data.y[n_id[:bs]]).sum())
            total += bs
    print(json.dumps({"epoch_s": times, "test_acc": correct / total, "test_nodes": total}))


#: the script's trained model, kept beside the generated graph for its whole-graph evaluation
PEER_CGCN_MODEL = "peer_cluster_gcn.pt"


def peer_cluster_gcn(files: Dict[str, str], epochs: int, parts: int, per_batch: int) -> None:
    import numpy as np
    import pymetis
    import torch
    import torch.nn.functional as F
    from torch_geometric.utils import subgraph

    torch.manual_seed(0)
    data = _peer_data(files)
    t0 = time.perf_counter()
    row, col = data.edge_index
    xadj = torch.zeros(data.num_nodes + 1, dtype=torch.long)
    xadj[1:] = torch.cumsum(torch.bincount(row, minlength=data.num_nodes), 0)
    _, membership = pymetis.part_graph(parts, xadj=xadj.numpy(), adjncy=col.numpy())
    part = torch.tensor(np.asarray(membership))
    t_part = time.perf_counter() - t0
    model = peer_sage(64)

    def batches(shuffle: bool):
        order = torch.randperm(parts) if shuffle else torch.arange(parts)
        for i in range(0, parts, per_batch):
            nodes = torch.nonzero(torch.isin(part, order[i:i + per_batch])).view(-1)
            ei, _ = subgraph(nodes, data.edge_index, relabel_nodes=True, num_nodes=data.num_nodes)
            yield nodes, ei

    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    times = []
    for _ in range(epochs):
        t1 = time.perf_counter()
        model.train()
        for nodes, ei in batches(True):
            m = data.train_mask[nodes]
            opt.zero_grad()
            F.cross_entropy(model(data.x[nodes], ei)[m], data.y[nodes][m]).backward()
            opt.step()
        times.append(time.perf_counter() - t1)
    model.eval()
    correct = total = 0
    t1 = time.perf_counter()
    with torch.no_grad():
        for nodes, ei in batches(False):
            m = data.test_mask[nodes]
            correct += int((model(data.x[nodes], ei).argmax(-1)[m] == data.y[nodes][m]).sum())
            total += int(m.sum())
        t_eval = time.perf_counter() - t1
    torch.save(model.state_dict(), os.path.join(os.path.dirname(files["edges"]), PEER_CGCN_MODEL))
    print(json.dumps({"partition_s": t_part, "epoch_s": times, "eval_s": t_eval,
                      "test_acc": correct / total, "test_nodes": total}))


def peer_cluster_gcn_whole_graph(files: Dict[str, str]) -> None:
    """The script's trained model on the whole graph (every node's full neighbourhood): the
    evaluation distgnn runs with ``sampler.eval_parts_per_batch`` = all parts. A process of
    its own, after the measured one, so that its memory and time count nowhere."""
    import torch

    data = _peer_data(files)
    model = peer_sage(64)
    model.load_state_dict(torch.load(os.path.join(os.path.dirname(files["edges"]), PEER_CGCN_MODEL)))
    model.eval()
    with torch.no_grad():
        pred = model(data.x, data.edge_index).argmax(-1)
    m = data.test_mask
    print(json.dumps({"test_acc_whole_graph": float((pred[m] == data.y[m]).float().mean()),
                      "test_nodes": int(m.sum())}))


# ---------------------------------------------------------------------- the sampler paths
def _endless(loader):
    while True:
        yield from loader


def sampler_paths(store: str, batches: int, cache_mb: float) -> List[list]:
    """Seconds per batch of sampling + fetching ``[15, 10]`` batches of 1024 training nodes, as
    the GraphSAGE job does it (no edge ids), with the seconds spent sampling and fetching."""
    import ray

    from distgnn.partition import open_store
    from distgnn.sampler import NeighborLoader, ShardClient, launch_shard_servers, shutdown_shard_servers
    from distgnn.sampler.feature_cache import optional_cache

    ray.init(address="local", num_cpus=4, include_dashboard=False, log_to_driver=False)
    s = open_store(store)
    rows, detail = [], []
    try:
        clients = {"in-process": ShardClient.from_store(store),
                   "2 actors": launch_shard_servers(store, 2)}
        base = None
        for name, client in clients.items():
            for mb in (0.0, cache_mb):
                cache = optional_cache(client, s, mb, remote_only=False)
                loader = NeighborLoader(client, [15, 10], batch_size=1024, input_nodes="train",
                                        shuffle=True, seed=0, feature_cache=cache, edge_ids=False)
                it = _endless(loader)
                next(it)  # opens the parts (spooling) outside the timing
                loader.timings.update(sample_s=0.0, fetch_s=0.0, x_bytes=0.0)
                if cache is not None:
                    cache.reset_stats()
                t0 = time.perf_counter()
                for _ in range(batches):
                    next(it)
                per = (time.perf_counter() - t0) / batches
                loader.close()
                base = base or per
                hit = cache.stats()["hit_rate"] if cache is not None else 0.0
                t = loader.timings
                rows.append([name, f"{mb:g}", f"{per * 1e3:.1f}", f"{hit:.2f}", f"{per / base:.2f}x"])
                detail.append([name, f"{mb:g}", f"{t['sample_s'] / batches * 1e3:.1f}",
                               f"{t['fetch_s'] / batches * 1e3:.1f}",
                               f"{t['x_bytes'] / batches / 2**20:.1f}"])
        shutdown_shard_servers(clients["2 actors"])
    finally:
        ray.shutdown()
    from common import print_table
    print("(per batch: seconds on the prefetch thread and features shipped)")
    print_table(["path", "cache MB", "sampling ms", "fetching ms", "MB fetched"], detail)
    return rows


# ---------------------------------------------------------------------- main
def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def _graphsage(store, workdir, epochs, name, *extra):
    return distgnn_train(store, os.path.join(workdir, f"run_{name}"), "graphsage.yaml", [
        "job=graphsage", f"run.epochs={epochs}", f"run.eval_every={epochs}",
        "sampler.num_neighbors=[15,10]", "sampler.batch_size=1024", "model.hidden_channels=256",
        "run.lr=0.01", "run.weight_decay=0.0005", "model.dropout=0.5", "scaling.num_workers=1",
        *extra])


#: the GraphSAGE rows: key -> (label, how it runs); ``--skip KEY`` (or ``actors``: the last
#: three) leaves a row out; rows measured by an earlier invocation on the same workdir and
#: epoch count are read back from ``graphsage_rows.json`` there, so a bench too long for one
#: slot runs as several (``--skip`` the rows already measured or not wanted now)
GRAPHSAGE_ROWS = {
    "ours": ("distgnn (CLI, 1 replica, store read in-process)", ["sampler.num_actors=0"]),
    "peer_loader": ("PyG 2.8.1 NeighborLoader+SAGEConv", "graphsage"),
    "peer_blocks": ("PyG 2.8.1 NeighborSampler+SAGEConv (bipartite)", "graphsage_blocks"),
    "actors_nocache": ("2 shard-server actors, no cache", ["sampler.num_actors=2", "sampler.cache_mb=0"]),
    "actors_cache64": ("2 shard-server actors, 64 MB cache", ["sampler.num_actors=2", "sampler.cache_mb=64"]),
    "actors_cache256": ("2 shard-server actors, 256 MB cache (the default)",
                        ["sampler.num_actors=2", "sampler.cache_mb=256"]),
}
#: training batches the NeighborLoader peer is timed over (its epoch is extrapolated)
PEER_LOADER_BATCHES = 30


def _graphsage_row(key, store, workdir, epochs) -> dict:
    label, how = GRAPHSAGE_ROWS[key]
    if isinstance(how, str):
        env = {"DISTGNN_BENCH_PEER_BATCHES": str(PEER_LOADER_BATCHES)} if key == "peer_loader" else {}
        out, _, peak = run_measured([PY, __file__, "--peer", how, "--workdir", workdir, "--epochs",
                                     str(epochs)], env)
        res = last_json(out)
        return {"epoch_s": sum(res["epoch_s"]) / epochs, "peak_mb": peak, "test_acc": res["test_acc"],
                "test_nodes": res["test_nodes"], "batches_timed": res.get("batches_timed")}
    run, peak = _graphsage(store, workdir, epochs, key, *how)
    row = run["row"]
    return {"epoch_s": sum(run["epoch_s"]) / epochs, "peak_mb": peak, "test_acc": run["test_acc"],
            "test_nodes": int(row["test_nodes"]), **{k: row[k] for k in (
                "cache_hit_rate", "bytes_fetched", "sample_share", "fetch_share", "compute_share",
                "train_nodes")}}


def _graphsage_rows(store, workdir, epochs, skip) -> Dict[str, dict]:
    path = os.path.join(workdir, "graphsage_rows.json")
    kept = {}
    if os.path.exists(path):
        with open(path) as f:
            kept = json.load(f)
    rows = kept.setdefault(str(epochs), {})
    for key in GRAPHSAGE_ROWS:
        if key in skip or (key.startswith("actors") and "actors" in skip):
            continue
        rows[key] = _graphsage_row(key, store, workdir, epochs)
        with open(path, "w") as f:
            json.dump(kept, f, indent=1)
    return rows


def bench_graphsage(files, store, workdir, epochs, part_s, part_mb, skip=()):
    from common import print_table

    rows = _graphsage_rows(store, workdir, epochs, skip)
    print(f"\ngraphsage, {epochs} epoch(s) ([15, 10], batch 1024, hidden 256, dropout 0.5, Adam "
          f"lr 0.01); partition {part_s:.1f} s / {part_mb:,.0f} MB (not in the epoch times)")
    ours = rows.get("ours")
    table = []
    for key in ("ours", "peer_loader", "peer_blocks"):
        r = rows.get(key)
        if r is None:
            table.append([GRAPHSAGE_ROWS[key][0], "not run", "", "", "", "", ""])
            continue
        acc = "-" if r["test_acc"] is None else f"{r['test_acc']:.4f}"
        note = f" ({r['batches_timed']} batches timed)" if r.get("batches_timed") else ""
        vs = lambda a, b: "" if ours is None or key == "ours" else _ratio(a, b)  # noqa: E731
        table.append([GRAPHSAGE_ROWS[key][0] + note, f"{r['epoch_s']:.2f}",
                      vs(ours["epoch_s"], r["epoch_s"]) if ours else "", f"{r['peak_mb']:,.0f}",
                      vs(ours["peak_mb"], r["peak_mb"]) if ours else "", acc, r["test_nodes"]])
    print_table(["", "epoch s", "distgnn/peer", "peak MB (all processes)", "distgnn/peer",
                 "test acc", "test nodes"], table)
    actor_keys = [k for k in GRAPHSAGE_ROWS if k.startswith("actors") and k in rows]
    if ours is None or not actor_keys:
        return
    print("\ngraphsage job: the store read in-process vs 2 shard-server actors (same model and "
          "batches; shares of busy time on the replica)")
    table = []
    for key in ["ours"] + actor_keys:
        r = rows[key]
        label = "store read in-process" if key == "ours" else GRAPHSAGE_ROWS[key][0]
        table.append([label, f"{r['epoch_s']:.2f}", _ratio(r["epoch_s"], ours["epoch_s"]),
                      f"{r['peak_mb']:,.0f}", f"{r['cache_hit_rate']:.2f}",
                      f"{r['bytes_fetched'] / 2**20:,.0f}",
                      f"{r['sample_share']:.2f}/{r['fetch_share']:.2f}/{r['compute_share']:.2f}",
                      f"{r['test_acc']:.4f}"])
    print_table(["path", "epoch s", "vs in-process", "peak MB", "cache hit rate", "MB fetched/epoch",
                 "sample/fetch/compute", "test acc"], table)


def bench_cluster_gcn(files, store, workdir, epochs, parts, part_s, part_mb, method="auto",
                      extra=()):
    """``distgnn train`` (1 replica, the store read in-process) vs the pymetis + PyG script.

    Whole run: the wall time of the ``distgnn partition`` and ``distgnn train`` processes
    (from the input files to the test accuracy) vs the script's process (reading the
    files, METIS, 3 epochs, evaluation); peak memory: the larger of the two distgnn
    process trees vs the script's.
    """
    from common import print_table

    ours, mb = distgnn_train(store, os.path.join(workdir, "run_cluster_gcn"), "cluster_gcn.yaml", [
        f"run.epochs={epochs}", f"run.eval_every={epochs}", "sampler.parts_per_batch=8",
        f"sampler.eval_parts_per_batch={parts}", "model.hidden_channels=64", "model.num_layers=2",
        "scaling.num_workers=1", *extra])
    out, peer_s, peer_mb = run_measured([PY, __file__, "--peer", "cluster_gcn", "--workdir", workdir,
                                         "--epochs", str(epochs), "--parts", str(parts)])
    peer = last_json(out)
    out, _, _ = run_measured([PY, __file__, "--peer", "cluster_gcn_whole_graph", "--workdir", workdir])
    peer_whole = last_json(out)["test_acc_whole_graph"]
    train_ours, train_peer = sum(ours["epoch_s"]), sum(peer["epoch_s"])
    whole_ours, peak_ours = part_s + ours["wall_s"], max(mb, part_mb)
    print(f"\ncluster_gcn, {epochs} epochs ({parts} parts, 8 per batch, hidden 64, 2 layers); "
          f"distgnn: `distgnn partition --method {method}` + `distgnn train` (1 replica, "
          f"evaluated on the whole graph{', ' + ', '.join(extra) if extra else ''})")
    print_table(["", "partition s", "training s", "whole run s", "peak MB (all processes)",
                 "test acc, cluster batches", "test acc, whole graph", "test nodes"], [
        ["distgnn (CLI)", f"{part_s:.1f}", f"{train_ours:.1f}", f"{whole_ours:.1f}",
         f"{peak_ours:,.0f}", "-", f"{ours['test_acc']:.4f}", int(ours["row"]["test_nodes"])],
        ["pymetis + PyG 2.8.1 SAGEConv", f"{peer['partition_s']:.1f}", f"{train_peer:.1f}",
         f"{peer_s:.1f}", f"{peer_mb:,.0f}", f"{peer['test_acc']:.4f}", f"{peer_whole:.4f}",
         peer["test_nodes"]],
        ["ratio distgnn/peer", _ratio(part_s, peer["partition_s"]), _ratio(train_ours, train_peer),
         _ratio(whole_ours, peer_s), _ratio(peak_ours, peer_mb),
         f"{ours['test_acc'] - peer['test_acc']:+.4f}", f"{ours['test_acc'] - peer_whole:+.4f}", ""]])
    print(f"distgnn train process {ours['wall_s']:.1f} s (epochs {', '.join(f'{e:.1f}' for e in ours['epoch_s'])}"
          f" s; the rest: start-up, evaluation, checkpoints); script: partition {peer['partition_s']:.1f}"
          f" s, epochs {', '.join(f'{e:.1f}' for e in peer['epoch_s'])} s, evaluation "
          f"{peer['eval_s']:.1f} s; the script's whole-graph accuracy: its trained model applied to "
          "the whole graph in a separate, unmeasured process")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nodes", type=int, default=2_000_000)
    p.add_argument("--degree", type=float, default=15.0, help="average degree after symmetrising")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--parts", type=int, default=64)
    p.add_argument("--path-batches", type=int, default=20)
    p.add_argument("--method", default="auto", help="distgnn partition --method for the store")
    p.add_argument("--partition-arg", dest="partition_args", action="append", default=[],
                   help="extra argument of distgnn partition, e.g. --partition-arg=--threads=2")
    p.add_argument("--cgcn", action="append", default=[], metavar="KEY=VALUE",
                   help="extra -p override of the ClusterGCN job (repeatable)")
    p.add_argument("--skip", default="", help="comma-separated: graphsage, actors (the graphsage "
                   "job over shard servers), peer_loader (the NeighborLoader peer), paths, "
                   "cluster_gcn")
    p.add_argument("--workdir", default=None, help="keeps the generated graph and store for reruns")
    p.add_argument("--peer", choices=("graphsage", "graphsage_blocks", "cluster_gcn",
                                      "cluster_gcn_whole_graph"),
                   help=argparse.SUPPRESS)
    args = p.parse_args()
    workdir = args.workdir or os.path.join(ROOT, "bench", "results", f"jobs_{args.nodes}")
    os.makedirs(workdir, exist_ok=True)
    files = generate(workdir, args.nodes, args.degree)
    if args.peer in ("graphsage", "graphsage_blocks"):
        return peer_graphsage(files, args.epochs, blocks=args.peer == "graphsage_blocks")
    if args.peer == "cluster_gcn_whole_graph":
        return peer_cluster_gcn_whole_graph(files)
    if args.peer == "cluster_gcn":
        return peer_cluster_gcn(files, args.epochs, args.parts, 8)
    skip = set(filter(None, args.skip.split(",")))
    name = f"graph_{args.parts}" + ("" if args.method == "auto" else f"_{args.method}") + \
        "".join(a.strip("-").replace("=", "") for a in args.partition_args)
    store = os.path.join(workdir, name + ".zarr")
    part_s, part_mb = partition(files, store, args.parts, args.method, args.partition_args)
    from distgnn.partition import open_store
    s = open_store(store)
    print(f"graph: {s.num_nodes:,} nodes, {s.num_edges:,} edges, {FEATURES} features, {CLASSES} "
          f"classes; distgnn partition {part_s:.1f} s, {part_mb:,.0f} MB peak")
    if "graphsage" not in skip:
        bench_graphsage(files, store, workdir, args.epochs, part_s, part_mb, skip)
    if "paths" not in skip:
        from common import print_table
        print(f"\nsampling + fetching [15, 10] x 1024 batches ({args.path_batches} batches)")
        print_table(["path", "cache MB", "ms/batch", "hit rate", "vs in-process, no cache"],
                    sampler_paths(store, args.path_batches, 64.0))
    if "cluster_gcn" not in skip:
        bench_cluster_gcn(files, store, workdir, args.epochs, args.parts, part_s, part_mb,
                          args.method, args.cgcn)


if __name__ == "__main__":
    main()
