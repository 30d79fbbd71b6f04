"""The Node2Vec job: skip-gram on random walks over the shards, with the embedding
table sharded over parameter-server actors and evaluated by logistic regression.

Each replica walks from its own slice of the nodes; it pulls just the rows its
batch touches, and pushes their gradients (averaged over the replicas) back to
the shards, which apply SparseAdam.
"""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np
import torch

from distgnn.jobs.context import ReplicaContext
from distgnn.jobs.progress import Progress

__all__ = ["node2vec_replica", "skipgram_loss", "logistic_regression_scores", "store_labels"]

EPS = 1e-15


def skipgram_loss(emb, pos_rw: torch.Tensor, neg_rw: torch.Tensor) -> torch.Tensor:
    """Node2Vec's loss: each walk's start against the rest of its window, positive and negative."""
    rows = emb.pull(torch.cat([pos_rw, neg_rw], 0))
    pos, neg = rows[:pos_rw.size(0)], rows[pos_rw.size(0):]

    def scores(h: torch.Tensor) -> torch.Tensor:
        return (h[:, :1] * h[:, 1:]).sum(-1).view(-1)

    pos_loss = -torch.log(torch.sigmoid(scores(pos)) + EPS).mean()
    neg_loss = -torch.log(1 - torch.sigmoid(scores(neg)) + EPS).mean()
    return pos_loss + neg_loss


def store_labels(store) -> Optional[Dict[str, np.ndarray]]:
    """``y`` and the masks in the store's numbering (None when the store has no labels)."""
    if store.num_classes < 2:
        return None
    parts = [store.part(p) for p in range(store.num_parts)]
    out = {"y": np.concatenate([s.y for s in parts])}
    for name in ("train", "val", "test"):
        if all(name in s.masks for s in parts):
            out[name] = np.concatenate([s.masks[name] for s in parts]).astype(bool)
    return out if "train" in out else None


def logistic_regression_scores(z: np.ndarray, labels: Dict[str, np.ndarray]) -> Dict[str, float]:
    """Fit on the train nodes' embeddings, return accuracy per mask."""
    from sklearn.linear_model import LogisticRegression

    y, train = labels["y"], labels["train"]
    clf = LogisticRegression(max_iter=300).fit(z[train], y[train])
    return {f"{m}_acc": float(clf.score(z[labels[m]], y[labels[m]]))
            for m in ("train", "val", "test") if m in labels and labels[m].any()}


def _rank_nodes(num_nodes: int, rank: int, world: int) -> np.ndarray:
    per = num_nodes // world  # equal slices: every replica takes the same number of steps
    return np.arange(rank * per, (rank + 1) * per, dtype=np.int64)


def _make_embedding(job: dict, num_nodes: int):
    from distgnn.distributed import ShardedEmbedding

    m, r = job["model"], job["run"]
    shards = min(job["sync"]["embedding_servers"], num_nodes)
    return ShardedEmbedding(num_nodes, m["embedding_dim"], num_shards=shards, optimizer="sparse_adam",
                            lr=r["lr"], seed=r["seed"], name="node2vec")


def _loader(job: dict, ctx: ReplicaContext, num_nodes: int):
    from distgnn.sampler import RandomWalkLoader

    m, s = job["model"], job["sampler"]
    return RandomWalkLoader(job["source"], walk_length=m["walk_length"],
                            context_size=m["context_size"], walks_per_node=m["walks_per_node"],
                            num_negative_samples=m["num_negative_samples"], p=m["p"], q=m["q"],
                            batch_size=s["batch_size"], prefetch=max(s["prefetch"], 1),
                            start_nodes=_rank_nodes(num_nodes, ctx.rank, ctx.world_size),
                            shuffle=True, seed=job["run"]["seed"] * 1000 + ctx.rank)


def _train_epoch(emb, loader, progress: Progress) -> Dict[str, float]:
    total, batches = 0.0, 0
    for pos_rw, neg_rw in loader:
        loss = skipgram_loss(emb, pos_rw, neg_rw)
        loss.backward()
        emb.push()
        total += float(loss.detach())
        batches += 1
        progress.update(pos_rw.size(0) + neg_rw.size(0), float(loss.detach()))
    return {"loss_sum": total, "batches": float(batches)}


def _evaluate(ctx: ReplicaContext, emb, labels) -> Dict[str, float]:
    if labels is None or not ctx.is_main:
        return {}
    return logistic_regression_scores(emb.weight().numpy(), labels)


def node2vec_replica(job: dict, ctx: ReplicaContext) -> None:
    """The training loop of one replica."""
    from distgnn.partition import open_store

    store = open_store(job["store"])
    labels = store_labels(store)
    emb = _make_embedding(job, store.num_nodes)
    start = 0
    resume = ctx.load(embeddings={"node2vec": emb})
    if resume is not None:
        start = int(resume["epoch"]) + 1
    r = job["run"]
    loader = _loader(job, ctx, store.num_nodes)
    for epoch in range(start, r["epochs"]):
        loader.epoch = epoch
        progress = Progress(len(loader), f"epoch {epoch + 1}/{r['epochs']}",
                            enabled=job.get("bars", r["progress"]) and ctx.is_main)
        stats = _train_epoch(emb, loader, progress)
        progress.close()
        last = epoch == r["epochs"] - 1
        scores = _evaluate(ctx, emb, labels) if last or (epoch + 1) % r["eval_every"] == 0 else {}
        total = ctx.all_sum([stats["loss_sum"], stats["batches"], progress.rates()[1]]).tolist()
        row = {"epoch": epoch, "train_loss": total[0] / max(total[1], 1.0),
               "batches_per_s": progress.rates()[0], "samples_per_s": total[2],
               "epoch_time_s": progress.elapsed, **scores}
        keep = last or (epoch + 1) % r["checkpoint_every"] == 0
        ctx.report(row, {"epoch": epoch} if keep else None, {"node2vec": emb} if keep else None)
    loader.close()
