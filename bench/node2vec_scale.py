"""Node2Vec at scale: a timed part of one epoch of ``distgnn train`` on a partitioned store.

    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec_scale.py \\
        --store /work/scratch/big/rmat25.zarr --workdir /work/scratch/n2v-scale [--fraction 0.1]

Runs the Node2Vec job (``--optimizer``, default ``sgns``: word2vec's per-pair
step; walks drawn over the shard servers) with 2 replicas on Ray and
``--embedding-servers`` servers per table, for ``run.max_steps`` steps: the
first ``--fraction`` of an epoch's walks. Defaults: embedding_dim 64, p=0.5,
q=2, walk_length 20, context 10 (window 9), 1 walk per node and epoch, 1
negative. sgns keeps two tables (embedding and output, ``2 * num_nodes * dim *
4`` bytes), a one-table optimizer (``--optimizer rowwise_adagrad``: Node2Vec's
1.7 loss, the rows' updates applied on the servers) half of that. The tables
are memory-mapped under ``--workdir`` when they exceed half of the machine's
MemAvailable (``--memmap auto``; ``yes`` always): one file per table, which
sgns replicas (on the servers' machine) train in place, so the rows live in
the page cache and the OS writes them back. Otherwise the replicas pull and
push the rows they touch. Random walks touch rows at random, so a table that
does not fit in memory beside the graph thrashes the page cache: at R-MAT 25
(dim 64) sgns's 17.2 GB of tables and the 4.2 GB graph come to about 24 GB with
the processes (estimated), more than this 24 GB machine can hold;
``--table-dtype float16`` stores them in 8.6 GB.

Reported: the timed part's seconds (the job's own ``epoch_time_s``: the
training steps, without start-up and the closing checkpoint), walks and pairs
trained, pairs/s, the projected full-epoch time (seconds x walks per epoch /
walks trained), the job's wall time, and the machine-wide peak memory: the
largest drop of MemAvailable below its value at the start, sampled every 50 ms
over the whole run (driver, Ray, replicas, shard and embedding servers; other
users of the machine included). The job is ended once its metrics row is
written (``--stop-after-row 0`` lets it write its closing checkpoint). The job's run directory and
the table files are removed at the end (``--keep`` keeps them).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from partition import MachinePeak, mem_available  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "configs", "node2vec.yaml")


def plan(num_nodes: int, workers: int, batch_size: int, walks_per_node: int,
         fraction: float) -> dict:
    """Steps per replica of one epoch, the steps of the timed part and the walks they train."""
    per_replica = -(-num_nodes // workers)
    steps = -(-per_replica // batch_size)
    max_steps = max(1, -(-int(steps * fraction * 1000) // 1000))
    walks = min(max_steps * batch_size, per_replica) * workers * walks_per_node
    return {"steps_per_epoch": steps, "max_steps": max_steps, "walks": walks,
            "epoch_walks": num_nodes * walks_per_node}


def _wait(proc: subprocess.Popen, metrics) -> int:
    """Wait for the job; with ``metrics``, end it (its process group: the driver and the Ray
    processes it started) once its metrics row is written -- the closing checkpoint of
    both tables (2 x 8.6 GB at R-MAT 25) is not part of the timed part."""
    while proc.poll() is None:
        if metrics and os.path.exists(metrics) and len(open(metrics).read().splitlines()) >= 2:
            time.sleep(2)
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            return 0
        time.sleep(1)
    return proc.returncode


def overrides(a, store: str, run_dir: str, max_steps: int, memmap_dir) -> list:
    opts = [f"data.store={store}", f"model.optimizer={a.optimizer}", f"run.lr={a.lr}",
            f"model.embedding_dim={a.dim}", f"model.p={a.p}", f"model.q={a.q}",
            f"model.walk_length={a.walk_length}", f"model.context_size={a.context_size}",
            f"model.walks_per_node={a.walks_per_node}",
            f"model.num_negative_samples={a.negatives}", f"scaling.num_workers={a.workers}",
            f"sync.embedding_servers={a.embedding_servers}", f"sync.sparse_sync={a.sparse_sync}",
            f"sampler.num_actors={a.shard_servers}",
            f"sampler.batch_size={a.batch_size}", "run.epochs=1", f"run.max_steps={max_steps}",
            f"run.dir={run_dir}", "run.progress=false", "sync.remote_timeout_s=1800"]
    if memmap_dir:
        opts.append(f"model.memmap_dir={memmap_dir}")
    if a.optimizer == "sgns":
        opts.append(f"model.table_dtype={a.table_dtype}")
    return [x for o in opts for x in ("-p", o)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, help="partitioned store (distgnn partition / bench/scale.py)")
    ap.add_argument("--workdir", required=True, help="run directory and table files go here")
    ap.add_argument("--fraction", type=float, default=0.1, help="share of an epoch's walks timed")
    ap.add_argument("--workers", type=int, default=2, help="replicas")
    ap.add_argument("--embedding-servers", type=int, default=4, help="servers per table")
    ap.add_argument("--shard-servers", type=int, default=2,
                    help="shard-server actors the walks are drawn from (sampler.num_actors; 0: each "
                         "replica reads the whole store itself, one copy of the graph per replica)")
    ap.add_argument("--batch-size", type=int, default=2048, help="start nodes per step and replica")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("-p", type=float, default=0.5)
    ap.add_argument("-q", type=float, default=2.0)
    ap.add_argument("--walk-length", type=int, default=20)
    ap.add_argument("--context-size", type=int, default=10)
    ap.add_argument("--walks-per-node", type=int, default=1)
    ap.add_argument("--negatives", type=int, default=1)
    ap.add_argument("--optimizer", default="sgns",
                    help="model.optimizer: sgns (two tables: 2 x 8.6 GB at R-MAT 25, dim 64) or a one-table "
                         "optimizer on the servers, e.g. rowwise_adagrad (8.6 GB + 4 B per row)")
    ap.add_argument("--table-dtype", default="float32", choices=("float32", "float16"),
                    help="model.table_dtype with sgns: float16 halves both tables (8.6 GB at R-MAT 25)")
    ap.add_argument("--lr", type=float, default=0.025, help="run.lr (default 0.025, word2vec's)")
    ap.add_argument("--sparse-sync", default="false", choices=("true", "false"),
                    help="sync.sparse_sync (false: each replica pushes its own changes, as "
                         "word2vec's threads do)")
    ap.add_argument("--memmap", default="auto", choices=("auto", "yes", "no"))
    ap.add_argument("--tables-dir", default=None,
                    help="where the memory-mapped tables go (default: <workdir>/tables; a folder "
                         "under /dev/shm keeps them in memory, never written back to disk)")
    ap.add_argument("--keep", action="store_true", help="keep the run directory and table files")
    ap.add_argument("--stop-after-row", type=int, default=1, choices=(0, 1),
                    help="end the job once its metrics row is written, skipping the closing "
                         "checkpoint (1); 0 waits for the job to finish")
    ap.add_argument("--json", default=None, help="append the result as a JSON line here")
    a = ap.parse_args(argv)

    from distgnn.partition import open_store
    store = open_store(a.store)
    n, edges = int(store.num_nodes), int(getattr(store, "num_edges", 0) or 0)
    del store
    p = plan(n, a.workers, a.batch_size, a.walks_per_node, a.fraction)
    width = 2 if a.optimizer == "sgns" and a.table_dtype == "float16" else 4
    table_bytes = (2 if a.optimizer == "sgns" else 1) * n * a.dim * width
    mapped = a.memmap == "yes" or (a.memmap == "auto" and table_bytes > mem_available() / 2)
    os.makedirs(a.workdir, exist_ok=True)
    run_dir = os.path.join(a.workdir, "run")
    memmap_dir = (a.tables_dir or os.path.join(a.workdir, "tables")) if mapped else None
    print(f"{a.store}: {n} nodes, {edges} edges; tables {table_bytes / 2**30:.1f} GB "
          f"({'memory-mapped under ' + memmap_dir if mapped else 'in memory'}); {a.workers} "
          f"replicas, {a.embedding_servers} servers per table; {p['max_steps']} of "
          f"{p['steps_per_epoch']} steps per replica = {p['walks']} of {p['epoch_walks']} walks",
          flush=True)
    cmd = [sys.executable, "-m", "distgnn.cli", "train", EXAMPLE] + \
        overrides(a, a.store, run_dir, p["max_steps"], memmap_dir)
    log_path = os.path.join(a.workdir, "train.log")
    t0 = time.perf_counter()
    metrics = os.path.join(run_dir, "metrics.csv")
    with MachinePeak() as peak, open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                start_new_session=True)
        peak.pid = proc.pid
        rc = _wait(proc, metrics if a.stop_after_row else None)
    wall = time.perf_counter() - t0
    if rc:
        print(open(log_path).read()[-4000:])
        print(f"the job failed (rc {rc}); log: {log_path}")
        return 1
    from distgnn.jobs import read_metrics
    row = read_metrics(os.path.join(run_dir, "metrics.csv"))[-1]
    seconds, pairs_per_s = float(row["epoch_time_s"]), float(row["samples_per_s"])
    res = {"store": a.store, "nodes": n, "edges": edges, "dim": a.dim, "workers": a.workers,
           "table_dtype": a.table_dtype if a.optimizer == "sgns" else "float32",
           "embedding_servers": a.embedding_servers, "memory_mapped": mapped,
           "walks": p["walks"], "epoch_walks": p["epoch_walks"],
           "timed_share": p["walks"] / p["epoch_walks"], "seconds": seconds,
           "pairs_per_s": pairs_per_s, "walks_per_s": p["walks"] / seconds,
           "projected_epoch_s": seconds * p["epoch_walks"] / p["walks"], "job_wall_s": wall,
           "peak_gb": peak.peak_gb, "driver_anon_gb": peak.anon / 2**30}
    print(f"timed part: {p['walks']} walks ({100 * res['timed_share']:.1f}% of an epoch) in "
          f"{seconds:.1f} s = {res['walks_per_s']:.0f} walks/s, {pairs_per_s / 1e6:.3f} M pairs/s; "
          f"projected epoch {res['projected_epoch_s'] / 3600:.2f} h; job wall {wall:.0f} s; "
          f"machine-wide peak {res['peak_gb']:.2f} GB (MemAvailable drop)")
    print(json.dumps(res))
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(res) + "\n")
    if not a.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
        if memmap_dir:
            shutil.rmtree(memmap_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
