"""Node2Vec walk production over shard servers: server-side rounds vs the trainer-side step walk
vs the in-process kernel that ``Node2Vec.fit`` walks with, on one R-MAT graph.

    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec_walks.py --scale 20 \\
        --workdir /work/scratch/n2v-walks [--servers 2 --parts 2 --method kaminpar]

Builds a store of R-MAT ``--scale`` (edge factor 16, undirected) under ``--workdir``,
launches ``--servers`` shard-server actors, and times ``--walks`` walks (p=0.5, q=2,
length 20) three ways: ``random_walk`` on the whole CSR in this process (numba,
all cores), ``RandomWalkLoader`` over the servers (rounds on the servers; its
prefetch thread as in training) and the trainer-side step walk
(``_trainer_side_walk.client_walks``, on ``--old-walks`` walks). Pairs are the
skip-gram pairs the walks give (``(L + 2 - c) * (c - 1)`` per walk, context ``c``).
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _store(scale: int, parts: int, method: str, workdir: str):
    from distgnn.data import rmat_edge_index
    from distgnn.partition import open_store, partition_graph, write_store
    path = os.path.join(workdir, f"rmat{scale}-{parts}{method}.zarr")
    if os.path.isdir(path):
        return open_store(path), 0.0
    t = time.perf_counter()
    ei = rmat_edge_index(scale, edge_factor=16, seed=0)
    n = 1 << scale
    assignment = partition_graph(ei, n, parts, method=method, seed=0)
    write_store(path, ei, n, assignment, method=method, seed=0)
    return open_store(path), time.perf_counter() - t


def _fit(whole, start, length: int, window: int, dim: int) -> dict:
    from distgnn.embedding import init_tables, negative_table, train_walks
    from distgnn.embedding.trainer import cut_at_sinks
    from distgnn.sampler import random_walk
    syn0, syn1 = init_tables(whole.rowptr.shape[0] - 1, dim)
    prob, alias = negative_table(whole.rowptr)
    w = random_walk(whole.rowptr, whole.col, start[:64], length, 0.5, 2.0, seed=3).numpy()
    train_walks(syn0, syn1, w, window=window, prob=prob, alias=alias, num_negative_samples=1)
    t = time.perf_counter()
    walks = random_walk(whole.rowptr, whole.col, start, length, 0.5, 2.0, seed=2).numpy()
    cut_at_sinks(walks, np.diff(whole.rowptr) == 0)  # as fit (and the job) do: no self pairs
    pairs, _ = train_walks(syn0, syn1, walks, window=window, prob=prob, alias=alias,
                           num_negative_samples=1, lr_start=0.025, lr_end=0.0001)
    took = time.perf_counter() - t
    return {"fit_walks_per_s": start.size / took, "fit_trained_pairs_per_s": pairs / took}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=20)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--parts", type=int, default=2)
    ap.add_argument("--method", default="kaminpar")
    ap.add_argument("--walks", type=int, default=262144)
    ap.add_argument("--old-walks", type=int, default=4096)
    ap.add_argument("--batch-size", type=int, default=16384, help="loader start nodes per batch")
    ap.add_argument("--walk-length", type=int, default=20)
    ap.add_argument("--context-size", type=int, default=10)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--fit", action="store_true",
                    help="also time walk + sgns training in this process (Node2Vec.fit's kernels: "
                         "d=--dim, 1 negative, window context-1) on the same start nodes")
    ap.add_argument("--dim", type=int, default=64)
    a = ap.parse_args(argv)
    import ray
    from _trainer_side_walk import client_walks as step_walks
    from distgnn.sampler import RandomWalkLoader, launch_shard_servers, random_walk, shutdown_shard_servers
    from distgnn.sampler.server import ShardServer

    os.makedirs(a.workdir, exist_ok=True)
    store, build_s = _store(a.scale, a.parts, a.method, a.workdir)
    L, c = a.walk_length, a.context_size
    per_walk = (L + 2 - c) * (c - 1)
    rng = np.random.default_rng(0)
    start = rng.permutation(store.num_nodes)[:a.walks]
    res = {"scale": a.scale, "nodes": int(store.num_nodes), "parts": a.parts, "servers": a.servers,
           "method": a.method, "walks": int(start.size), "store_build_s": build_s}

    whole = ShardServer(store.path)._open()  # the whole graph's CSR, as fit walks it
    random_walk(whole.rowptr, whole.col, start[:64], L, 0.5, 2.0, seed=1)  # compile / cache load
    t = time.perf_counter()
    random_walk(whole.rowptr, whole.col, start, L, 0.5, 2.0, seed=1)
    res["in_process_walks_per_s"] = start.size / (time.perf_counter() - t)
    if a.fit:
        res.update(_fit(whole, start, L, c - 1, a.dim))
    del whole

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    client = launch_shard_servers(store.path, num_servers=a.servers, timeout=600)
    try:
        warm = RandomWalkLoader(client, L, c, p=0.5, q=2.0, batch_size=256, start_nodes=start[:256],
                                seed=0, windows=False)
        list(warm)
        loader = RandomWalkLoader(client, L, c, p=0.5, q=2.0, batch_size=a.batch_size,
                                  start_nodes=start, seed=0, windows=False)
        t = time.perf_counter()
        got = sum(b.walks.shape[0] for b in loader)
        res["server_walks_per_s"] = got / (time.perf_counter() - t)
        old = start[:a.old_walks]
        t = time.perf_counter()
        step_walks(client, old, L, 0.5, 2.0, seed=0)
        res["trainer_side_walks_per_s"] = a.old_walks / (time.perf_counter() - t)
    finally:
        shutdown_shard_servers(client)
        ray.shutdown()
    for k in ("in_process", "server", "trainer_side"):
        res[f"{k}_pairs_per_s"] = res[f"{k}_walks_per_s"] * per_walk
    print(f"R-MAT {a.scale}: {store.num_nodes} nodes, {a.parts} parts ({a.method}) on {a.servers} servers; "
          f"p=0.5 q=2 L={L} context {c} ({per_walk} pairs/walk)")
    for k, name in (("in_process", "in process (fit's walker)"), ("server", "server rounds (loader)"),
                    ("trainer_side", "trainer-side steps (old)")):
        print(f"  {name:28s} {res[k + '_walks_per_s']:12,.0f} walks/s {res[k + '_pairs_per_s'] / 1e6:8.2f} M pairs/s")
    if a.fit:
        print(f"  {'fit in process (walk+train)':28s} {res['fit_walks_per_s']:12,.0f} walks/s "
              f"{res['fit_trained_pairs_per_s'] / 1e6:8.2f} M trained pairs/s (d={a.dim}, 1 negative)")
    print(json.dumps(res))
    if not a.keep:
        shutil.rmtree(a.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
