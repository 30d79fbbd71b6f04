"""Compile distgnn's numba kernels once, ahead of the first job (``make venv`` runs it).

The kernels are cached (``cache=True``) where the package lives, so a job that
follows -- ``make demo``'s partition step above all -- loads them instead of
compiling them. Runs the demo's path on a small graph: planted-partition
graph -> METIS -> store -> cluster batches -> ClusterGCN step, and random walks
-> the fused skip-gram step.

    python -m distgnn.jobs.warmup
"""
from __future__ import annotations

import os
import tempfile
import time

__all__ = ["warm_up"]


def _partition_and_store(root: str) -> str:
    from distgnn.data import planted_partition
    from distgnn.partition import partition_graph, write_store

    # the demo's size: some kernels are only reached on graphs that coarsen several levels
    d = planted_partition(20000, 8, avg_degree=10, p_ratio=25, num_features=8, train_per_class=20,
                          num_val=100, num_test=100, seed=0)
    ei = d.edge_index.numpy()
    masks = {"train": d.train_mask.numpy(), "val": d.val_mask.numpy(), "test": d.test_mask.numpy()}
    part = partition_graph(ei, int(d.num_nodes), 16, method="metis", seed=0)
    path = os.path.join(root, "g.zarr")
    write_store(path, ei, int(d.num_nodes), part, x=d.x.numpy(), y=d.y.numpy(), masks=masks,
                method="metis", seed=0)
    return path


def _train_steps(store: str) -> None:
    import torch

    from distgnn.jobs.cluster_gcn import ClusterGCN
    from distgnn.nn.models.node2vec import skipgram_loss_and_grad
    from distgnn.sampler import ClusterLoader, RandomWalkLoader

    loader = ClusterLoader(store, num_parts_per_batch=2, seed=0, prefetch=1)
    batch = next(iter(loader))
    loader.close()
    model = ClusterGCN(batch.x.size(1), 8, 8)
    model(batch.x, batch.edge_index).sum().backward()
    walks = RandomWalkLoader(store, walk_length=5, context_size=3, batch_size=16, seed=0, prefetch=1)
    pos, neg = next(iter(walks))
    walks.close()
    ids = torch.cat([pos.reshape(-1), neg.reshape(-1)])
    uniq, inv = torch.unique(ids, return_inverse=True)
    skipgram_loss_and_grad(torch.randn(uniq.numel(), 4), inv[:pos.numel()].view(pos.shape),
                           inv[pos.numel():].view(neg.shape))


def warm_up() -> float:
    """Compile (or load) the kernels; returns the seconds it took."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="distgnn-warmup-") as root:
        _train_steps(_partition_and_store(root))
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"[setup] numba kernels compiled and cached ({warm_up():.1f} s)")
