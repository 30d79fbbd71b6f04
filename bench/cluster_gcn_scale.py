"""ClusterGCN at billion-edge size through the CLI: generate -> partition -> train, per stage.

    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/cluster_gcn_scale.py \
        --workdir /work/scratch/cgcn/scale [--nodes 33554432] [--degree 32] [--parts 64] \
        [--stages generate,partition,train] [--method auto] [-p KEY=VALUE ...]

A planted-partition graph (``--nodes``, average degree ``--degree`` after
symmetrising, 32 class-correlated features, 16 classes, train/val/test masks)
is written by ``distgnn generate`` (Parquet edges + .npy node files), partitioned
by ``distgnn partition`` into ``--parts`` shards, and trained by ``distgnn train``
(job cluster_gcn, 1 replica reading the store, 4 parts per batch, hidden 64,
2 layers, 4 epochs at lr 0.03, then evaluation on every test node; at 64 parts
that is 64 steps: one epoch of 8 steps of 8 parts reached 0.911, these 0.955). Each stage runs as
its own process; reported per stage: seconds, machine-wide peak memory (the
largest drop of MemAvailable below its value at the stage's start, sampled
every 50 ms: all processes, see ``bench/partition.py``), the stage process's
largest private memory (RssAnon) and directed edges per second. ``--stages``
runs some stages only, the files handed on in ``--workdir`` (one locked
invocation each); the figures go to ``<workdir>/stages.json`` and the table
of every stage run so far is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from partition import MachinePeak  # noqa: E402

DISTGNN = [sys.executable, "-m", "distgnn.cli"]
STAGES = ("generate", "partition", "train")
CLASSES, FEATURES = 16, 32


def files(work: str) -> dict:
    stem = os.path.join(work, "edges")
    return {"edges": stem + ".parquet", "x": stem + "_features.npy", "y": stem + "_labels.npy",
            **{m: f"{stem}_{m}_mask.npy" for m in ("train", "val", "test")},
            "store": os.path.join(work, "graph.zarr"), "run": os.path.join(work, "run")}


def argv_of(stage: str, args, f: dict) -> list:
    n = args.nodes
    if stage == "generate":
        train = n // 10 // CLASSES  # 10% train, 5% val, 10% test
        return DISTGNN + ["generate", f"planted:{n}:{CLASSES}:{args.degree}", "--out", f["edges"],
                          "--num-features", str(FEATURES), "--feature-noise", "2.0",
                          "--train-per-class", str(train), "--num-val", str(n // 20),
                          "--num-test", str(n // 10), "--overwrite"]
    if stage == "partition":
        return DISTGNN + ["partition", f["edges"], "-k", str(args.parts), "-o", f["store"],
                          "--method", args.method, "--features", f["x"], "--labels", f["y"],
                          "--masks", f"train={f['train']}", "--masks", f"val={f['val']}",
                          "--masks", f"test={f['test']}", "--overwrite", *args.partition_args]
    shutil.rmtree(f["run"], ignore_errors=True)
    out = DISTGNN + ["train", os.path.join(ROOT, "examples", "configs", "cluster_gcn.yaml"),
                     "-p", f"data.store={f['store']}", "-p", f"run.dir={f['run']}",
                     "-p", "run.epochs=4", "-p", "run.eval_every=4", "-p", "run.lr=0.03",
                     "-p", "sampler.parts_per_batch=4",
                     "-p", "model.hidden_channels=64", "-p", "model.num_layers=2",
                     "-p", "scaling.num_workers=1", "-p", "run.progress=false"]
    for o in args.param:
        out += ["-p", o]
    return out


def run_stage(argv: list) -> dict:
    """Run ``argv`` (its output passed through); seconds and peak memory."""
    t0 = time.perf_counter()
    with MachinePeak() as peak:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        peak.pid = proc.pid
        tail = []
        for line in proc.stdout:
            print("   ", line.rstrip(), flush=True)
            tail = (tail + [line.rstrip()])[-40:]
        proc.wait()
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv[:4])} exited with {proc.returncode}")
    return {"seconds": time.perf_counter() - t0, "peak_gb": peak.peak_gb,
            "anon_gb": peak.anon / 2**30, "tail": tail}


def _train_figures(run_dir: str) -> dict:
    sys.path.insert(0, ROOT)
    from distgnn.jobs import read_metrics

    row = read_metrics(os.path.join(run_dir, "metrics.csv"))[-1]
    return {k: row[k] for k in ("test_acc", "test_nodes", "val_acc", "epoch_time_s") if k in row}


def print_table(done: dict, edges: int) -> None:
    sys.path.insert(0, ROOT)
    from common import print_table as table

    rows = []
    for stage in STAGES:
        if stage in done:
            r = done[stage]
            rows.append([stage, f"{r['seconds']:.1f}", f"{r['peak_gb']:.2f}", f"{r['anon_gb']:.2f}",
                         f"{edges / r['seconds']:.3g}" if edges else "-"])
    table(["stage", "seconds", "peak GB (machine)", "RssAnon GB (stage process)", "edges/s"], rows)
    if "train" in done:
        t = done["train"]
        print(f"train: epoch {t.get('epoch_time_s', float('nan')):.1f} s, test accuracy "
              f"{t.get('test_acc', float('nan')):.4f} on {int(t.get('test_nodes', 0)):,} test nodes")
    print(f"largest machine-wide peak over the stages: "
          f"{max(r['peak_gb'] for r in done.values()):.2f} GB")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workdir", required=True)
    p.add_argument("--nodes", type=int, default=1 << 25)
    p.add_argument("--degree", type=float, default=32.0)
    p.add_argument("--parts", type=int, default=64)
    p.add_argument("--method", default="auto")
    p.add_argument("--stages", default=",".join(STAGES))
    p.add_argument("--partition-arg", dest="partition_args", action="append", default=[],
                   help="extra argument of distgnn partition (repeatable)")
    p.add_argument("-p", "--param", action="append", default=[], help="override of distgnn train")
    args = p.parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)
    f = files(args.workdir)
    record = os.path.join(args.workdir, "stages.json")
    done = json.load(open(record)) if os.path.exists(record) else {}
    total, used, free = shutil.disk_usage(args.workdir)
    print(f"disk: {free / 2**30:.0f} GB free under {args.workdir}", flush=True)
    for stage in args.stages.split(","):
        if stage not in STAGES:
            raise SystemExit(f"--stages: expected some of {', '.join(STAGES)}, got {stage!r}")
        print(f"[{stage}] {time.strftime('%H:%M:%S')}", flush=True)
        res = run_stage(argv_of(stage, args, f))
        if stage == "train":
            res.update(_train_figures(f["run"]))
        done[stage] = res
        with open(record, "w") as fh:
            json.dump(done, fh, indent=1)
    edges = 0
    if os.path.exists(os.path.join(f["store"], "zarr.json")):
        sys.path.insert(0, ROOT)
        from distgnn.partition import open_store
        s = open_store(f["store"])
        edges = s.num_edges
        print(f"graph: {s.num_nodes:,} nodes, {edges:,} directed edges, {s.num_parts} parts, "
              f"edge cut {s.meta['edge_cut_fraction']:.1%} ({s.meta['method']})")
    print_table(done, edges)
    return 0


if __name__ == "__main__":
    sys.exit(main())
