"""Node2Vec defaults: accuracy against epochs and rate, the job's defaults against its old ones.

    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec_defaults.py job --nodes 200000
    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec_defaults.py fit --nodes 20000
    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec_defaults.py cora

* ``job`` -- ``distgnn train examples/configs/node2vec.yaml`` on a planted-partition graph
  (``--nodes``, 16 blocks, p_ratio 15, 100 training nodes per block), 2 replicas, once with
  the job's defaults (sgns, 8 epochs at lr 0.1, tables memory-mapped under run.dir) and once
  with the defaults it had before (sparse_adam, 5 epochs at lr 0.01, rows on the servers):
  logistic-regression test accuracy, the summed epoch times and the command's wall time.
* ``fit`` -- ``Node2Vec.fit`` in one process on the same kind of graph (d = ``--dim``, 4 walks
  of 20 steps per node, window 9): test accuracy and time for each (lr, epochs) of the grid.
* ``cora`` -- ``Node2Vec.fit()`` with its defaults on Cora (Planetoid split), the 1.7
  example's walks (10 of 20 steps per node, window 9, d=128) against 1 epoch, per seed.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
PLANETOID = os.environ.get("DISTGNN_PLANETOID", os.path.join(ROOT, "..", "shared", "data", "planetoid"))
EXAMPLE = os.path.join(ROOT, "examples", "configs", "node2vec.yaml")
GRAPH = {"num_blocks": 16, "p_ratio": 15.0, "train_per_class": 100}
BEFORE = ["model.optimizer=sparse_adam", "run.epochs=5", "run.lr=0.01"]


def _job(nodes: int, extra, work: str) -> dict:
    run_dir = os.path.join(work, "run")
    argv = [sys.executable, "-m", "distgnn.cli", "train", EXAMPLE]
    for o in [f"data.generator.num_nodes={nodes}", *(f"data.generator.{k}={v}" for k, v in GRAPH.items()),
              f"data.output={os.path.join(work, 'g.zarr')}", f"run.dir={run_dir}",
              "run.progress=false", "scaling.num_workers=2", *extra]:
        argv += ["-p", o]
    t = time.perf_counter()
    res = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if res.returncode != 0:
        raise RuntimeError(f"distgnn train failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    print(res.stdout, flush=True)
    from distgnn.jobs import read_metrics
    rows = read_metrics(os.path.join(run_dir, "metrics.csv"))
    shutil.rmtree(run_dir, ignore_errors=True)
    return {"test_acc": float(rows[-1]["test_acc"]), "epochs": len(rows), "wall_s": wall,
            "epoch_s": sum(float(r["epoch_time_s"]) for r in rows),
            "curve": [round(float(r["test_acc"]), 3) for r in rows]}


def bench_job(args) -> None:
    work = tempfile.mkdtemp(prefix="n2v-defaults-", dir=args.workdir)
    try:
        runs = {"defaults": _job(args.nodes, [], work), "before": _job(args.nodes, BEFORE, work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nNode2Vec job, planted {args.nodes} nodes (16 blocks, p_ratio 15), 2 replicas, "
          "example config")
    for name, r in runs.items():
        print(f"  {name:9s} {r['epochs']} epochs: test_acc {r['test_acc']:.3f}, epochs "
              f"{r['epoch_s']:.1f} s, command {r['wall_s']:.1f} s; per epoch {r['curve']}")
    d, b = runs["defaults"], runs["before"]
    print(f"defaults / before: accuracy {d['test_acc']:.3f} vs {b['test_acc']:.3f}, command time "
          f"{d['wall_s'] / b['wall_s']:.2f}x, epoch time {d['epoch_s'] / b['epoch_s']:.2f}x")


def _planted(nodes: int):
    from distgnn.data.generators import planted_partition
    data = planted_partition(nodes, GRAPH["num_blocks"], p_ratio=GRAPH["p_ratio"],
                             train_per_class=GRAPH["train_per_class"], seed=0)
    return data


def _accuracy(model, data) -> float:
    z = model.embedding.weight.detach()
    return model.test(z[data.train_mask], data.y[data.train_mask], z[data.test_mask],
                      data.y[data.test_mask], max_iter=300)


def bench_fit(args) -> None:
    import torch
    from distgnn.nn import Node2Vec
    data = _planted(args.nodes)
    print(f"Node2Vec.fit, planted {args.nodes} nodes (16 blocks, p_ratio 15), d={args.dim}, "
          "4 walks of 20 steps per node, window 9")
    for lr in args.lrs:
        for epochs in args.epochs:
            torch.manual_seed(0)
            model = Node2Vec(data.edge_index, args.dim, walk_length=20, context_size=10,
                             walks_per_node=4, num_nodes=args.nodes)
            t = time.perf_counter()
            model.fit(epochs=epochs, lr=lr, seed=0)
            secs = time.perf_counter() - t
            print(f"  lr {lr:<6} epochs {epochs}: test_acc {_accuracy(model, data):.3f}  "
                  f"({secs:.1f} s)", flush=True)


def bench_cora(args) -> None:
    import torch
    from distgnn.data.planetoid import read_planetoid_data
    from distgnn.nn import Node2Vec
    data = read_planetoid_data(args.planetoid, "cora")
    print("Node2Vec.fit on Cora, 10 walks of 20 steps per node, window 9, d=128")
    for epochs in (None, 1):
        accs = []
        for seed in range(args.seeds):
            torch.manual_seed(seed)
            model = Node2Vec(data.edge_index, 128, walk_length=20, context_size=10,
                             walks_per_node=10, num_nodes=data.num_nodes)
            accs.append(_accuracy(model.fit(epochs=epochs), data))
        name = "defaults" if epochs is None else f"{epochs} epoch"
        print(f"  {name:9s} test_acc per seed {' '.join(f'{a:.3f}' for a in accs)} "
              f"mean {np.mean(accs):.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["job", "fit", "cora"])
    ap.add_argument("--nodes", type=int, default=200000, help="planted graph's nodes")
    ap.add_argument("--dim", type=int, default=64, help="fit's embedding width")
    ap.add_argument("--lrs", type=float, nargs="+", default=[0.025, 0.1], help="fit's rates")
    ap.add_argument("--epochs", type=int, nargs="+", default=[1, 3, 8], help="fit's epochs")
    ap.add_argument("--seeds", type=int, default=3, help="seeds on Cora")
    ap.add_argument("--planetoid", default=PLANETOID, help="folder holding ind.cora.*")
    ap.add_argument("--workdir", default=None, help="scratch folder of the job runs")
    args = ap.parse_args()
    {"job": bench_job, "fit": bench_fit, "cora": bench_cora}[args.what](args)


if __name__ == "__main__":
    main()
