"""Node2Vec training throughput and all-reduce overhead.

    .venv/bin/python bench/train.py [--scale 16] [--steps 40] [--skip-ray]

* positive pairs/s (walk 20, context 10, p=0.5, q=2) of the Node2Vec job that
  ``distgnn train`` runs (``job: node2vec`` through :func:`distgnn.jobs.run_job`:
  R-MAT store, walks over the store, embeddings on parameter-server actors)
  with 1 and 2 replicas, against a baseline written here:
  ``torch_cluster.random_walk`` + sparse ``nn.Embedding`` + ``SparseAdam`` on
  the same seeded R-MAT graph;
* time of one gradient all-reduce between 2 Ray Train workers (Gloo) against
  model size.
"""
import argparse
import json
import os
import tempfile
import time
from types import SimpleNamespace

import torch

from distgnn.config import config_from_dict
from distgnn.data import rmat_edge_index
from distgnn.distributed import RunConfig, ScalingConfig, Trainer, allreduce_gradients, get_context
from distgnn.jobs import read_metrics, run_job

EPS = 1e-15


def baseline(edge_index, num_nodes, job, steps: int) -> float:
    """torch_cluster walks + sparse nn.Embedding + SparseAdam; returns positive pairs/s.

    The CSR is built once (as a Node2Vec model does), so each step pays for the walks only.
    """
    import torch_cluster  # noqa: F401 - registers torch.ops.torch_cluster
    row, col = edge_index
    order = torch.argsort(row * num_nodes + col)
    row, col = row[order], col[order]
    rowptr = torch.zeros(num_nodes + 1, dtype=torch.long)
    rowptr[1:] = torch.cumsum(torch.bincount(row, minlength=num_nodes), 0)
    emb = torch.nn.Embedding(num_nodes, job.embedding_dim, sparse=True)
    opt = torch.optim.SparseAdam(list(emb.parameters()), lr=job.lr)
    gen = torch.Generator().manual_seed(0)
    pairs, t0 = 0, None
    for step in range(steps + 2):
        if step == 2:  # two warm-up steps
            pairs, t0 = 0, time.perf_counter()
        start = torch.randint(num_nodes, (job.batch_size,), generator=gen)
        walks = torch.ops.torch_cluster.random_walk(rowptr, col, start, job.walk_length, job.p, job.q)[0]
        pos = walks.unfold(1, job.context_size, 1).reshape(-1, job.context_size)
        rand = torch.randint(num_nodes, (start.numel(), job.walk_length), generator=gen)
        neg = torch.cat([start.view(-1, 1), rand], 1).unfold(1, job.context_size, 1)
        neg = neg.reshape(-1, job.context_size)
        opt.zero_grad()
        hp, hn = emb(pos), emb(neg)
        sp = (hp[:, :1] * hp[:, 1:]).sum(-1)
        sn = (hn[:, :1] * hn[:, 1:]).sum(-1)
        loss = -torch.log(torch.sigmoid(sp) + EPS).mean() - torch.log(1 - torch.sigmoid(sn) + EPS).mean()
        loss.backward()
        opt.step()
        pairs += pos.size(0) * (job.context_size - 1)
    return pairs / (time.perf_counter() - t0)


def ours(args, workers: int, run_dir: str, store: str) -> float:
    """The CLI's Node2Vec job on ``workers`` replicas; its positive pairs/s over all replicas."""
    tree = {"job": "node2vec",
            "data": {"generator": {"name": "rmat", "scale": args.scale, "edge_factor": 16},
                     "num_parts": 2, "method": "random", "seed": 0, "output": store},
            "model": {"embedding_dim": args.dim, "walk_length": 20, "context_size": 10,
                      "walks_per_node": 1, "p": 0.5, "q": 2.0},
            "sampler": {"batch_size": args.batch_size},
            "scaling": {"num_workers": workers}, "sync": {"embedding_servers": 2},
            "run": {"epochs": 1, "max_steps": args.steps, "lr": 0.01, "progress": False,
                    "dir": os.path.join(run_dir, f"n2v-{workers}")}}
    run_job(config_from_dict(tree))
    rows = read_metrics(os.path.join(tree["run"]["dir"], "metrics.csv"))
    return rows[-1]["samples_per_s"]


def _allreduce_fn(config):
    ctx = get_context()
    out = {}
    for numel in config["sizes"]:
        p = torch.nn.Parameter(torch.zeros(numel))
        p.grad = torch.ones(numel)
        for _ in range(3):
            allreduce_gradients([p])
        ctx.barrier()
        t0 = time.perf_counter()
        for _ in range(config["reps"]):
            allreduce_gradients([p])
        out[str(numel)] = (time.perf_counter() - t0) / config["reps"]
    return out


def allreduce_overhead(sizes, run_dir: str):
    res = Trainer(_allreduce_fn, {"sizes": sizes, "reps": 10}, scaling=ScalingConfig(num_workers=2),
                  run=RunConfig(dir=os.path.join(run_dir, f"allreduce-{time.time_ns()}"))).fit()
    return res.return_value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=16, help="R-MAT scale (2**scale nodes)")
    ap.add_argument("--steps", type=int, default=40, help="training steps per measurement")
    ap.add_argument("--batch-size", type=int, default=256, help="start nodes per step")
    ap.add_argument("--dim", type=int, default=128, help="embedding size")
    ap.add_argument("--skip-ray", action="store_true", help="1 replica only (no 2-replica run, no all-reduce timing)")
    args = ap.parse_args()
    edge_index = rmat_edge_index(args.scale, edge_factor=16, seed=0)
    n = 1 << args.scale
    job = SimpleNamespace(embedding_dim=args.dim, walk_length=20, context_size=10, p=0.5, q=2.0,
                          batch_size=args.batch_size, lr=0.01)
    print(f"R-MAT scale {args.scale}: {n} nodes, {edge_index.size(1)} edges; dim {args.dim}, "
          f"batch {args.batch_size} walks, walk 20, context 10, p=0.5, q=2")
    out = {}
    with tempfile.TemporaryDirectory() as run_dir:
        store = os.path.join(run_dir, "rmat.zarr")
        out["baseline_pairs_per_s"] = baseline(edge_index, n, job, args.steps)
        out["job_1_replica_pairs_per_s"] = ours(args, 1, run_dir, store)
        out["ratio_1_replica"] = out["job_1_replica_pairs_per_s"] / out["baseline_pairs_per_s"]
        if not args.skip_ray:
            out["job_2_replicas_pairs_per_s"] = ours(args, 2, run_dir, store)
            out["ratio_2_replicas"] = out["job_2_replicas_pairs_per_s"] / out["baseline_pairs_per_s"]
            import ray
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            out["allreduce_s_by_numel"] = allreduce_overhead([10**4, 10**5, 10**6, 10**7], run_dir)
            ray.shutdown()
    for k, v in out.items():
        print(f"{k:28s} {v if isinstance(v, dict) else f'{v:,.2f}'}")
    print(json.dumps(out))


if __name__ == "__main__":
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    main()
