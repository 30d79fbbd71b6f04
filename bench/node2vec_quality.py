"""Node2Vec's embeddings at scale: the job over shard servers against ``Node2Vec.fit`` in one
process, on the same planted graph and at the same epochs.

    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec_quality.py \\
        --nodes 10000000 --epochs 2 --walks-per-node 4 --workdir /work/scratch/n2v-quality

Generates a planted-partition graph (``distgnn generate planted:N:16``: average degree 10,
``--train-per-class`` training nodes per block, ``--num-test`` test nodes), partitions it
into ``--parts`` parts (``distgnn partition``, method auto), then

* runs the Node2Vec job (``distgnn train``, the example config with its defaults but
  ``--epochs``, ``--walks-per-node``; 2 replicas, one shard server per part, sgns tables
  trained in place), which scores logistic regression on its embedding after the last epoch;
* reads the same store back into one process (its numbering, labels and masks) and runs
  ``Node2Vec.fit`` with the same walks, window, negatives, rate and epochs, scored the same way.

Prints both test accuracies, their difference (the target: within 0.01) and both times.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from partition import MachinePeak  # noqa: E402
EXAMPLE = os.path.join(ROOT, "examples", "configs", "node2vec.yaml")


def _cli(*argv) -> str:
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "distgnn.cli", *argv], capture_output=True, text=True,
                         cwd=ROOT)
    if res.returncode:
        raise RuntimeError(f"distgnn {argv[0]} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    print(f"distgnn {argv[0]}: {time.perf_counter() - t:.0f} s", flush=True)
    return res.stdout


def build_store(a, work: str) -> str:
    edges, store = os.path.join(work, "planted.parquet"), os.path.join(work, "planted.zarr")
    if os.path.isdir(store):
        return store
    _cli("generate", f"planted:{a.nodes}:16", "--out", edges, "--num-features", "1",
         "--train-per-class", str(a.train_per_class), "--num-test", str(a.num_test), "--quiet",
         "--overwrite")
    stem = edges[:-len(".parquet")]
    _cli("partition", edges, "-k", str(a.parts), "--out", store, "--labels", f"{stem}_labels.npy",
         "--masks", f"train={stem}_train_mask.npy", "--masks", f"test={stem}_test_mask.npy",
         "--quiet", "--overwrite")
    for p in os.listdir(work):
        if p.startswith("planted") and not p.endswith(".zarr"):
            os.remove(os.path.join(work, p))
    return store


def run_job(a, store: str, work: str) -> dict:
    run_dir = os.path.join(work, "run")
    shutil.rmtree(run_dir, ignore_errors=True)
    opts = [f"data.store={store}", f"run.dir={run_dir}", f"run.epochs={a.epochs}",
            f"model.walks_per_node={a.walks_per_node}", f"model.table_dtype={a.table_dtype}",
            "model.embedding_dim=64",
            "scaling.num_workers=2", f"sampler.num_actors={a.parts}", "sampler.batch_size=2048",
            "run.progress=false", "sync.remote_timeout_s=1800"]
    t = time.perf_counter()
    with MachinePeak() as peak:
        _cli("train", EXAMPLE, *[x for o in opts for x in ("-p", o)])
    wall = time.perf_counter() - t
    from distgnn.jobs import read_metrics
    rows = read_metrics(os.path.join(run_dir, "metrics.csv"))
    shutil.rmtree(run_dir, ignore_errors=True)
    return {"test_acc": float(rows[-1]["test_acc"]), "wall_s": wall, "peak_gb": peak.peak_gb,
            "epoch_s": sum(float(r["epoch_time_s"]) for r in rows)}


def read_graph(store_path: str):
    """The store's graph in its own numbering: edge_index, labels and masks."""
    import torch
    from distgnn.jobs.node2vec import store_labels
    from distgnn.partition import open_store
    store = open_store(store_path)
    src, dst = [], []
    lo = 0
    for p in range(store.num_parts):
        part = store.part(p)
        rowptr, col = np.asarray(part.rowptr), np.asarray(part.col)
        dst.append(np.repeat(np.arange(lo, lo + rowptr.shape[0] - 1, dtype=np.int64), np.diff(rowptr)))
        src.append(col.astype(np.int64))
        lo += rowptr.shape[0] - 1
    edge_index = torch.from_numpy(np.stack([np.concatenate(src), np.concatenate(dst)]))
    return edge_index, int(store.num_nodes), store_labels(store)


def run_fit(a, store: str) -> dict:
    import torch
    from distgnn.jobs.node2vec import logistic_regression_scores
    from distgnn.nn import Node2Vec
    with MachinePeak() as peak:
        edge_index, n, labels = read_graph(store)
        torch.manual_seed(0)
        model = Node2Vec(edge_index, 64, walk_length=20, context_size=10,
                         walks_per_node=a.walks_per_node, num_nodes=n)
        del edge_index
        t = time.perf_counter()
        model.fit(epochs=a.epochs, lr=0.1, min_lr=0.1 / 250, seed=0)
        secs = time.perf_counter() - t
        scores = logistic_regression_scores(model.embedding.weight.detach().numpy(), labels)
    return {"test_acc": scores["test_acc"], "fit_s": secs, "peak_gb": peak.peak_gb}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=10_000_000)
    ap.add_argument("--epochs", type=int, default=2)
    # 1 walk per node and 2 epochs leave a planted graph near chance (200k nodes: 0.30 job,
    # 0.32 fit; 10M: 0.074 / 0.076, chance 0.0625); 4 walks reach 0.943 / 0.943 at 200k
    ap.add_argument("--walks-per-node", type=int, default=4)
    ap.add_argument("--parts", type=int, default=2)
    ap.add_argument("--train-per-class", type=int, default=1000)
    ap.add_argument("--num-test", type=int, default=50000)
    ap.add_argument("--table-dtype", default="float32", choices=("float32", "float16"))
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the store")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    store = build_store(a, a.workdir)
    job = run_job(a, store, a.workdir)
    print(f"job: test_acc {job['test_acc']:.4f}, epochs {job['epoch_s']:.0f} s, command {job['wall_s']:.0f} s, "
          f"machine-wide peak {job['peak_gb']:.2f} GB", flush=True)
    fit = run_fit(a, store)
    print(f"fit: test_acc {fit['test_acc']:.4f}, {fit['fit_s']:.0f} s, machine-wide peak "
          f"{fit['peak_gb']:.2f} GB (the whole graph as int64 in one process)", flush=True)
    print(f"planted {a.nodes} nodes, 16 blocks, {a.epochs} epochs of {a.walks_per_node} walk(s) per node, "
          f"tables {a.table_dtype}: job {job['test_acc']:.4f} vs fit {fit['test_acc']:.4f}, "
          f"difference {job['test_acc'] - fit['test_acc']:+.4f} (target within 0.01)")
    print(json.dumps({"nodes": a.nodes, "epochs": a.epochs, "job": job, "fit": fit}))
    if not a.keep:
        shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
