"""The distributed Node2Vec job: random-walk loaders feed replicas that train a sharded table.

Each replica walks from its own share of the start nodes (the samplers'
:class:`~distgnn.sampler.RandomWalkLoader`), pulls the rows its windows touch
from a :class:`ShardedEmbedding`, computes Node2Vec's skip-gram loss on them
(the same loss as :class:`distgnn.nn.Node2Vec`, fused with its gradient) and
pushes the gradients. Checkpoints hold the shards and the progress
(epoch, step); the loader's randomness is a function of (seed, rank, epoch),
so a resumed run draws the batches an uninterrupted one would.

    result = Trainer(node2vec_train_fn, {"job": asdict(Node2VecJobConfig(epochs=5)),
                                         "data": data}, scaling=ScalingConfig(num_workers=2)).fit()
"""
import time
from dataclasses import dataclass, field, fields
from typing import Any, Dict, Optional

import numpy as np
import torch

from .context import get_context
from .sharded_embedding import ShardedEmbedding
from distgnn.nn.models.node2vec import skipgram_loss_and_grad

__all__ = ["Node2VecJobConfig", "node2vec_train_fn", "EMBEDDING_NAME"]

EMBEDDING_NAME = "node2vec"


def _h(text: str, default):
    return field(default=default, metadata={"help": text})


@dataclass
class Node2VecJobConfig:
    """Hyper-parameters of a Node2Vec run."""
    embedding_dim: int = _h("size of each node embedding", 128)
    walk_length: int = _h("steps of each random walk", 20)
    context_size: int = _h("nodes per skip-gram window", 10)
    walks_per_node: int = _h("walks started from each node per epoch", 1)
    num_negative_samples: int = _h("negative windows per positive one", 1)
    p: float = _h("return parameter of the biased walk", 1.0)
    q: float = _h("in-out parameter of the biased walk", 1.0)
    batch_size: int = _h("start nodes per step and replica", 128)
    lr: float = _h("learning rate of the embedding optimizer", 0.01)
    optimizer: str = _h("'sparse_adam', 'adagrad' or 'sgd' (run by the embedding shards)", "sparse_adam")
    num_shards: int = _h("parameter-server shards of the embedding table", 2)
    epochs: int = _h("passes over the start nodes", 1)
    max_steps: Optional[int] = _h("stop after this many steps per replica (None: all epochs)", None)
    checkpoint_every: int = _h("steps between checkpoints (0: at the end of each epoch)", 0)
    seed: int = _h("seed of the initial table and of the walks", 0)

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("p", "q", "lr") and not v > 0:
                raise ValueError(f"node2vec.{f.name} must be > 0, got {v!r}")
            if f.name in ("embedding_dim", "walk_length", "walks_per_node", "num_negative_samples",
                          "batch_size", "num_shards", "epochs") and not (isinstance(v, int) and v >= 1):
                raise ValueError(f"node2vec.{f.name} must be an int >= 1, got {v!r}")
        if not 2 <= self.context_size <= self.walk_length + 1:
            raise ValueError(f"node2vec.context_size must be in [2, walk_length + 1 = "
                             f"{self.walk_length + 1}], got {self.context_size!r}")
        if self.checkpoint_every < 0:
            raise ValueError(f"node2vec.checkpoint_every must be >= 0, got {self.checkpoint_every!r}")


def _num_nodes(data) -> int:
    if isinstance(data, str):
        from distgnn.partition import open_store
        return int(open_store(data).num_nodes)
    return int(data.num_nodes)


def _loader(job: Node2VecJobConfig, data, start_nodes: np.ndarray, seed: int):
    from distgnn.sampler import RandomWalkLoader
    return RandomWalkLoader(data, job.walk_length, job.context_size, job.walks_per_node,
                            job.num_negative_samples, job.p, job.q, job.batch_size,
                            start_nodes=torch.from_numpy(start_nodes), shuffle=True, seed=seed)


def _train_step(emb: ShardedEmbedding, pos: torch.Tensor, neg: torch.Tensor) -> float:
    """Pull the rows the windows touch, Node2Vec's loss and its row gradients in one
    fused pass, push the gradients."""
    uniq, inv, rows = emb.pull_unique(torch.cat([pos.reshape(-1), neg.reshape(-1)]))
    k = pos.numel()
    loss, grad = skipgram_loss_and_grad(rows, inv[:k].view(pos.shape), inv[k:].view(neg.shape))
    emb.push_gradients(uniq, grad)
    return loss


def node2vec_train_fn(config: Dict[str, Any]) -> Dict[str, Any]:
    """Train function for :class:`Trainer`: ``config = {"job": dict, "data": Data or store path}``.

    Returns throughput figures (positive pairs/s over all replicas) and, when
    ``config["return_embedding"]``, the whole table.
    """
    ctx = get_context()
    job = Node2VecJobConfig(**config.get("job", {}))
    data = config["data"]
    n = _num_nodes(data)
    emb = ShardedEmbedding(n, job.embedding_dim, min(job.num_shards, n), job.optimizer, job.lr,
                           seed=job.seed, name=EMBEDDING_NAME)
    share = np.arange(ctx.rank, n, ctx.world_size, dtype=np.int64)[:n // ctx.world_size]
    loader = _loader(job, data, share, job.seed * 7919 + ctx.rank)
    state = ctx.load_checkpoint(embeddings={EMBEDDING_NAME: emb})
    progress = dict(state["progress"]) if state else {"epoch": 0, "step": 0, "global_step": 0}
    pairs, loss, t0 = 0, float("nan"), time.perf_counter()
    try:
        while progress["epoch"] < job.epochs and not _done(job, progress):
            loader.epoch = progress["epoch"]  # the epoch's batches depend on (seed, epoch) only
            for i, (pos, neg) in enumerate(loader):
                if i < progress["step"]:
                    continue  # trained before the checkpoint
                if _done(job, progress):
                    break
                loss = _train_step(emb, pos, neg)
                pairs += pos.size(0) * (pos.size(1) - 1)
                progress["step"], progress["global_step"] = i + 1, progress["global_step"] + 1
                if job.checkpoint_every and progress["global_step"] % job.checkpoint_every == 0:
                    _report(ctx, emb, progress, loss)
            else:
                progress.update(epoch=progress["epoch"] + 1, step=0)
            _report(ctx, emb, progress, loss)
    finally:
        loader.close()
    return _summary(ctx, emb, pairs, time.perf_counter() - t0, progress, loss, config)


def _done(job: Node2VecJobConfig, progress: Dict[str, int]) -> bool:
    return job.max_steps is not None and progress["global_step"] >= job.max_steps


def _report(ctx, emb: ShardedEmbedding, progress: Dict[str, int], loss: float) -> None:
    ctx.report({"epoch": progress["epoch"], "step": progress["step"],
                "global_step": progress["global_step"], "loss": loss},
               checkpoint={"progress": dict(progress)}, embeddings={EMBEDDING_NAME: emb})


def _summary(ctx, emb, pairs: int, seconds: float, progress, loss: float, config) -> Dict[str, Any]:
    total = torch.tensor([float(pairs)])
    if ctx.is_distributed:
        torch.distributed.all_reduce(total)
    out = {"pairs": float(total), "seconds": seconds, "pairs_per_s": float(total) / max(seconds, 1e-9),
           "global_step": progress["global_step"], "loss": loss}
    if config.get("return_embedding"):
        out["embedding"] = emb.weight()
    return out
