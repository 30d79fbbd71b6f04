"""A scaling model from measurements: jobs on 1, 2 and 4 local Ray nodes, projected to 4/16/64 machines.

For each job and each node count N, a ``ray.cluster_utils.Cluster`` of N nodes (one machine,
loopback) runs the job through the CLI with N replicas and N shard servers, spread over the
nodes (``scaling.placement=spread``). From the run's ``summary.json`` (replica 0's last
``metrics.csv`` row) it reads the time per step, the bytes its calls to the shard servers
moved per step (sent + received), the cross-node share of them, and the dense gradient bytes
all-reduced per step.

The model, per replica, one replica per machine, shards spread evenly over M machines::

    remote(M)    = B * (M - 1) / M                  B: bytes per step to the shard servers
    allreduce(M) = 2 * G * (M - 1) / M              G: gradient bytes (ring all-reduce)
    t_step(M)    = c + (remote(M) + allreduce(M)) / bandwidth
    t_epoch(M)   = S / M * t_step(M)                S: steps of one epoch on one replica

``c`` is the compute time per step of the 1-node run (the local nodes share this machine's
cores, so their step times do not fall with N; only the bytes are measured on them). ``B``
is the bytes per step of the run on the most nodes: a Node2Vec replica on the servers' node
trains the tables in place (no rows on the wire), one on another node pulls and pushes rows,
so its bytes on one node do not predict those on several. The check of the model on the
measured points: cross-node bytes per step at N nodes against ``B_N * (N - 1) / N``
(``B_N`` the bytes per step measured at N), printed as a ratio, with where replica 0 and
the shard servers ran.

The projection to the 1.07B-edge planted graph (33.5M nodes, 64 parts), per job:

* GraphSAGE and Node2Vec: ``c`` and ``B`` depend on the batch (fan-out, walks), not on the
  graph, so they are carried over; ``S`` grows with the nodes (the same share of training
  nodes, the same walks per node): ``S_small * 33.5M / 20k``.
* ClusterGCN: ``c`` is the measured step of ``bench/results/cluster_gcn_scale_out_of_core.txt``
  (one replica, 8 steps of 8 parts, ``--c-cluster-gcn-1b``), ``B`` the measured bytes per batch
  node times the big graph's nodes per step; on more than 8 machines the 64 parts go in
  smaller batches, the work per machine still ``S * c / M``.

What the model leaves out: the per-call cost of Ray (serialisation, scheduling), which on
this machine's loopback is most of a pulled Node2Vec step, and any overlap of transfers
with compute. Its times are a floor, its bytes the figure to check.

Usage::

    python bench/scaling.py --workdir /tmp/scaling            # 1, 2, 4 nodes; table + plot
    python bench/scaling.py --nodes 1 2 --jobs graphsage
    python bench/scaling.py --workdir /tmp/scaling --nodes 2 --jobs graphsage node2vec \
        -p sync.wire_dtype=float16 --out bench/results/scaling_wire16   # rows and features as float16
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SMALL_NODES = 20000
#: the small graph every job runs on (the generator's planted partition)
GRAPH = [f"data.generator.num_nodes={SMALL_NODES}", "data.generator.num_blocks=8", "data.num_parts=8"]
JOBS: Dict[str, List[str]] = {
    "cluster_gcn": ["run.epochs=2", "run.lr=0.02"],
    "graphsage": ["run.epochs=2", "sampler.batch_size=256", "sampler.num_neighbors=[10, 5]"],
    "node2vec": ["run.epochs=1"],
}
BIG_NODES = 33_554_432
BIG_PARTS = 64
BANDWIDTHS = {"10 Gbit/s": 10e9 / 8, "100 Gbit/s": 100e9 / 8}
MACHINES = (4, 16, 64)


def _measure(job: str, nodes: int, workdir: Path, params: List[str] = ()) -> Dict[str, float]:
    import ray
    from ray.cluster_utils import Cluster

    from distgnn.cli import main

    run_dir = workdir / f"{job}-{nodes}"
    shutil.rmtree(run_dir, ignore_errors=True)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "include_dashboard": False})
    for _ in range(nodes - 1):
        cluster.add_node(num_cpus=2)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        argv = ["train", str(ROOT / "examples" / "configs" / f"{job}.yaml"),
                "-p", f"run.dir={run_dir}", "-p", f"data.output={workdir / f'{job}-{nodes}.zarr'}",
                "-p", f"scaling.num_workers={nodes}", "-p", f"sampler.num_actors={nodes}",
                "-p", "scaling.placement=spread", "-p", "run.progress=false"]
        for o in GRAPH + JOBS[job] + list(params):
            argv += ["-p", o]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main(argv)
        wall = time.perf_counter() - start
        if rc != 0:
            raise SystemExit(f"{job} on {nodes} node(s) failed with exit status {rc}")
        summary = json.loads((run_dir / "summary.json").read_text())
    finally:
        ray.shutdown()
        cluster.shutdown()
    row = summary["final"]
    steps = float(row["steps_per_epoch"])
    out = {"job": job, "nodes": nodes, "wall_s": wall, "steps_per_epoch": steps,
           "step_s": float(row["epoch_time_s"]) / max(steps, 1.0),
           "bytes_per_step": float(row["sent_bytes_per_step"]) + float(row["recv_bytes_per_step"]),
           "cross_bytes_per_step": float(row["cross_node_bytes_per_step"]),
           "grad_bytes_per_step": float(row.get("grad_bytes_per_step", 0.0)),
           "batch_size": float(row.get("batch_size", 0.0)),
           "nodes_used": summary.get("placement", {}).get("nodes", 0),
           "placement": summary.get("placement", {}),
           "test_acc": float(row.get("test_acc", float("nan")))}
    return out


def _step(c: float, b: float, g: float, m: int, bandwidth: float) -> float:
    share = (m - 1) / m
    return c + (b * share + 2 * g * share) / bandwidth


def _big_steps(job: str, one: Dict[str, float], args) -> float:
    """Steps of one epoch on one replica at the big graph."""
    if job == "cluster_gcn":
        return float(args.cluster_gcn_1b_steps)
    return one["steps_per_epoch"] * BIG_NODES / SMALL_NODES


def _big_step_inputs(job: str, one: Dict[str, float], b: float, args) -> tuple:
    """(c, B) of a step at the big graph, from the 1-node step time and the bytes per step ``b``."""
    if job != "cluster_gcn":
        return one["step_s"], b
    small_nodes_per_step = SMALL_NODES / max(one["steps_per_epoch"], 1.0)
    big_nodes_per_step = BIG_NODES / float(args.cluster_gcn_1b_steps)
    return args.c_cluster_gcn_1b, b / small_nodes_per_step * big_nodes_per_step


def _where(p: Dict[str, float]) -> str:
    """Replica 0's node and the shard servers' nodes, as letters in order of appearance."""
    place = p.get("placement") or {}
    replicas, servers = place.get("replicas", []), place.get("shard_servers", [])
    names: Dict[str, str] = {}
    for n in list(replicas) + list(servers):
        names.setdefault(n, "ABCDEFGH"[len(names) % 8])
    if not replicas:
        return ""
    return f"replicas {''.join(names[n] for n in replicas)} servers {''.join(names[n] for n in servers)}"


def _report(points: List[Dict[str, float]], args) -> List[str]:
    extra = f"; overrides: {' '.join(args.param)}" if args.param else ""
    lines = ["measured on local nodes (one machine, loopback; replicas = shard servers = nodes, "
             f"spread{extra})",
             f"{'job':<12} {'nodes':>5} {'used':>4} {'s/step':>8} {'bytes/step':>12} {'cross/step':>12} "
             f"{'model':>12} {'cross/model':>11} {'grad B/step':>11} {'test acc':>8}"]
    ones = {p["job"]: p for p in points if p["nodes"] == 1}
    widest = {p["job"]: p for p in sorted(points, key=lambda p: p["nodes"])}
    for p in points:
        model = p["bytes_per_step"] * (p["nodes"] - 1) / p["nodes"]
        ratio = f"{p['cross_bytes_per_step'] / model:.2f}x" if model > 0 else "-"
        lines.append(f"{p['job']:<12} {p['nodes']:>5} {p['nodes_used']:>4} {p['step_s']:>8.4f} "
                     f"{p['bytes_per_step']:>12,.0f} {p['cross_bytes_per_step']:>12,.0f} {model:>12,.0f} "
                     f"{ratio:>11} {p['grad_bytes_per_step']:>11,.0f} {p['test_acc']:>8.4f}  {_where(p)}")
    lines += ["", f"projected time per epoch at the 1.07B-edge planted graph ({BIG_NODES:,} nodes, {BIG_PARTS} parts)",
              f"{'job':<12} {'steps (1 replica)':>17} {'c s/step':>9} {'B/step':>12} " +
              " ".join(f"{f'{m} x {bw}':>18}" for bw in BANDWIDTHS for m in MACHINES)]
    for job, one in ones.items():
        steps = _big_steps(job, one, args)
        c, b = _big_step_inputs(job, one, widest[job]["bytes_per_step"], args)
        g = max(p["grad_bytes_per_step"] for p in points if p["job"] == job)
        cells = [f"{steps / m * _step(c, b, g, m, bw):>17,.0f}s" for bw in BANDWIDTHS.values() for m in MACHINES]
        lines.append(f"{job:<12} {steps:>17,.0f} {c:>9.4f} {b:>12,.0f} " + " ".join(cells))
    return lines


def _plot(points: List[Dict[str, float]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for k, job in enumerate(sorted({p["job"] for p in points})):
        color = f"C{k}"
        mine = sorted((p for p in points if p["job"] == job), key=lambda p: p["nodes"])
        xs = [p["nodes"] for p in mine]
        ax.plot(xs, [p["cross_bytes_per_step"] for p in mine], "o", color=color, label=f"{job} measured")
        ax.plot(xs, [p["bytes_per_step"] * (p["nodes"] - 1) / p["nodes"] for p in mine], "-", color=color,
                label=f"{job} model")
    ax.set_xlabel("Ray nodes")
    ax.set_ylabel("cross-node bytes per step (replica 0)")
    ax.set_yscale("symlog", linthresh=1e4)
    ax.set_xticks(sorted({p["nodes"] for p in points}))
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workdir", required=True)
    p.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--jobs", nargs="+", default=list(JOBS), choices=list(JOBS))
    p.add_argument("--c-cluster-gcn-1b", type=float, default=297.9 / 8,
                   help="seconds per ClusterGCN step at the big graph on one replica (default: measured)")
    p.add_argument("--cluster-gcn-1b-steps", type=int, default=8)
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "scaling"))
    p.add_argument("-p", "--param", action="append", default=[],
                   help="override of every job's config (repeatable), e.g. sync.wire_dtype=float16")
    args = p.parse_args()
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    points = []
    for job in args.jobs:
        for n in sorted(args.nodes):
            point = _measure(job, n, workdir, args.param)
            print(json.dumps(point), flush=True)
            points.append(point)
    lines = _report(points, args)
    print("\n".join(lines))
    with open(args.out + ".json", "w") as fh:
        json.dump(points, fh, indent=1)
    _plot(points, args.out + ".png")


if __name__ == "__main__":
    main()
