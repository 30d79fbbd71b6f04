"""The Node2Vec job: skip-gram on random walks over the shards, with the embedding
table sharded over parameter-server actors, evaluated by logistic regression.

Replica ``r`` of ``w`` starts walks from nodes ``r, r + w, r + 2w, ...`` (every
node is a start node of one replica), shuffled by a seed of ``(run.seed, r)``;
an epoch's batches depend only on (seed, rank, epoch), so a run resumed from a
checkpoint taken mid-epoch draws the batches an uninterrupted one would.
Replicas whose share is one batch short pad with an empty step, so the
gradient all-gather stays in step. Each step (:func:`node2vec_step`) pulls the
rows its windows touch, computes Node2Vec's loss and its row gradients in one
fused pass, and pushes the gradients (averaged over the replicas with
``sync.sparse_sync``) to the shards, which apply ``model.optimizer``.
``model.optimizer=sgns`` trains instead with word2vec's per-pair SGD
(:func:`sgns_train_batch`, the update of ``Node2Vec.fit``) on the embedding and a
second, output table: in place, lock-free, where both tables are memory-mapped
files (``model.memmap_dir``) every replica shares with the servers
(:func:`in_place_tables`), else on pulled rows, pushing the changes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np
import torch

from distgnn.jobs.context import ReplicaContext
from distgnn.jobs.epochs import run_epochs
from distgnn.jobs.inputs import JobInputs
from distgnn.jobs.schedule import Schedule

__all__ = ["Node2VecJob", "node2vec_replica", "node2vec_step", "sgns_train_batch", "SgnsState", "in_place_tables",
           "empty_step", "tables_dir",
           "start_nodes", "loader_seed", "logistic_regression_scores", "store_labels",
           "EMBEDDING_NAME", "CONTEXT_NAME"]

EMBEDDING_NAME = "node2vec"
#: with optimizer sgns, an epoch's train_loss is the mean over every LOSS_EVERY-th step's
#: batch (from its first; batches are shuffled): scoring every pair costs ~18% of training
LOSS_EVERY = 8
#: word2vec's output table, beside the embedding when ``model.optimizer=sgns``.
CONTEXT_NAME = "node2vec_context"


def node2vec_step(emb, pos: torch.Tensor, neg: torch.Tensor) -> float:
    """One training step on a batch of windows; returns the loss.

    The one place the skip-gram update is computed: pull the distinct rows
    ``pos``/``neg`` touch, the loss and ``d loss / d rows`` in one fused pass,
    push the row gradients.
    """
    from distgnn.nn.models.node2vec import skipgram_loss_and_grad

    uniq, inv, rows = emb.pull_unique(torch.cat([pos.reshape(-1), neg.reshape(-1)]))
    k = pos.numel()
    loss, grad = skipgram_loss_and_grad(rows, inv[:k].view(pos.shape), inv[k:].view(neg.shape))
    emb.push_gradients(uniq, grad)
    return loss


def sgns_train_batch(tables, walks: torch.Tensor, sgns: "SgnsState", lr_start: float, lr_end: float,
              first_walk_id: int, with_loss: bool = True) -> Tuple[float, int]:
    """word2vec's per-pair step (``model.optimizer=sgns``) on rows pulled from the servers.

    :func:`distgnn.embedding.train_pulled` pulls the rows of the input and output tables
    the walks touch, trains them with the same update as ``Node2Vec.fit`` and pushes
    ``new - old``; the servers (SGD, lr 1) add the negated "gradient", scaled by the
    replica count where the gradient exchange averages it. Where ``sgns.in_place`` holds
    both tables mapped from the servers' files (:func:`in_place_tables`), the step trains
    them directly instead, as one of word2vec's lock-free threads. Returns (mean pair
    loss, pairs); the loss is 0 unless ``with_loss`` (it costs a log per target, ~18% of
    the step).
    """
    from distgnn.embedding import train_pulled, train_walks
    from distgnn.embedding.trainer import cut_at_sinks

    from distgnn.distributed.sharded_embedding import pull_rows, push_rows

    def pull(ids):  # touched_rows: sorted, distinct
        return [rows.numpy() for rows in pull_rows(tables, torch.from_numpy(ids))]

    def push(ids, deltas):
        push_rows(tables, torch.from_numpy(ids),
                  [torch.from_numpy(d).mul_(-sgns.push_scale) for d in deltas])

    walks = walks.numpy().copy()
    cut_at_sinks(walks, sgns.sinks)
    # one thread: the replicas are the parallelism, and a run stays reproducible and resumable
    opts = dict(window=sgns.window, prob=sgns.prob, alias=sgns.alias,
                num_negative_samples=sgns.num_negative_samples, lr_start=lr_start, lr_end=lr_end,
                seed=sgns.seed, first_walk_id=first_walk_id, threads=1, with_loss=with_loss)
    if sgns.in_place is not None:  # the servers' own rows, shared with the other replicas
        pairs, loss = train_walks(*sgns.in_place, walks, **opts)
    else:
        pairs, loss = train_pulled(pull, push, walks, **opts)
    return loss / max(pairs, 1), pairs


@dataclass
class SgnsState:
    """What :func:`sgns_train_batch` needs besides the tables and the walks."""
    window: int
    num_negative_samples: int
    prob: np.ndarray
    alias: np.ndarray
    seed: int
    push_scale: float
    walks_per_step: int
    sinks: np.ndarray
    #: the input and output tables mapped from the servers' files, when every replica has them
    in_place: Optional[Tuple[np.ndarray, np.ndarray]] = None


def in_place_tables(tables, ctx: ReplicaContext) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Both tables as arrays mapped from the servers' files when every replica shares those
    files (``model.memmap_dir``, replicas on the servers' machine), else None. All replicas
    or none: a replica that pushes would wait in the gradient exchange for ones that do not."""
    arrays = [t.table_in_place() for t in tables]
    ok = all(a is not None for a in arrays)
    if int(ctx.all_sum([float(ok)])[0]) < ctx.world_size:
        return None
    return arrays[0], arrays[1]


def _sgns_state(inputs: JobInputs, ctx: ReplicaContext, store) -> SgnsState:
    from distgnn.embedding import negative_table

    m, cfg = inputs.config.model, inputs.config
    degree = np.concatenate([np.diff(np.asarray(store.part(p).rowptr))
                             for p in range(store.num_parts)])
    prob, alias = negative_table(np.concatenate([[0], np.cumsum(degree)]))
    synced = ctx.world_size > 1 and cfg.sync.sparse_sync
    return SgnsState(m.context_size - 1, m.num_negative_samples, prob, alias, cfg.run.seed,
                     float(ctx.world_size) if synced else 1.0,
                     cfg.sampler.batch_size * m.walks_per_node, degree == 0)


def empty_step(emb) -> None:
    """A step without windows: joins the replicas' gradient exchange, changes no row."""
    emb.push_gradients(torch.empty(0, dtype=torch.long), torch.empty(0, emb.embedding_dim))


def start_nodes(num_nodes: int, rank: int, world_size: int) -> np.ndarray:
    """Replica ``rank``'s start nodes: every ``world_size``-th node from ``rank``."""
    return np.arange(rank, num_nodes, world_size, dtype=np.int64)


def loader_seed(seed: int, rank: int) -> int:
    return seed * 7919 + rank


def store_labels(store) -> Optional[Dict[str, np.ndarray]]:
    """``y`` and the masks in the store's numbering (None when the store has no labels)."""
    if store.num_classes < 2:
        return None
    parts = [store.part(p) for p in range(store.num_parts)]
    out = {"y": np.concatenate([np.asarray(s.y) for s in parts])}
    for name in ("train", "val", "test"):
        if all(name in s.masks for s in parts):
            out[name] = np.concatenate([np.asarray(s.masks[name]) for s in parts]).astype(bool)
    return out if "train" in out else None


def logistic_regression_scores(z: np.ndarray, labels: Dict[str, np.ndarray]) -> Dict[str, float]:
    """Fit on the train nodes' embeddings; accuracy and node count per mask."""
    from sklearn.linear_model import LogisticRegression

    y, train = labels["y"], labels["train"]
    clf = LogisticRegression(max_iter=300).fit(z[train], y[train])
    out: Dict[str, float] = {}
    for m in ("train", "val", "test"):
        if m in labels and labels[m].any():
            out[f"{m}_acc"] = float(clf.score(z[labels[m]], y[labels[m]]))
            out[f"{m}_nodes"] = float(labels[m].sum())
    return out


def _make_embedding(inputs: JobInputs, num_nodes: int, name: str = EMBEDDING_NAME):
    from distgnn.distributed import ShardedEmbedding

    cfg = inputs.config
    shards = min(cfg.sync.embedding_servers, num_nodes)
    if cfg.model.optimizer == "sgns":  # rows change on the replicas; the servers add the deltas
        d = cfg.model.embedding_dim
        init = dict(init="zeros") if name == CONTEXT_NAME else dict(std=0.5 / d / 3 ** 0.5)
        return ShardedEmbedding(num_nodes, d, num_shards=shards, optimizer="sgd", lr=1.0,
                                seed=cfg.run.seed, name=name, timeout_s=cfg.sync.remote_timeout_s,
                                memmap_dir=_mapped(cfg, name), dtype=cfg.model.table_dtype, **init)
    return ShardedEmbedding(num_nodes, cfg.model.embedding_dim, num_shards=shards,
                            optimizer=cfg.model.optimizer, lr=cfg.run.lr, seed=cfg.run.seed,
                            name=name, timeout_s=cfg.sync.remote_timeout_s,
                            memmap_dir=_mapped(cfg, name))


def tables_dir(cfg) -> Optional[str]:
    """Where the tables' memory-mapped rows live: ``model.memmap_dir`` ('' for none), else
    ``<run.dir>/tables`` with optimizer sgns (so replicas train them in place), else None."""
    if cfg.model.memmap_dir is not None:
        return cfg.model.memmap_dir or None
    return os.path.join(cfg.run.run_dir, "tables") if cfg.model.optimizer == "sgns" else None


def _mapped(cfg, name: str) -> Optional[str]:
    """The folder of table ``name``'s memory-mapped rows (one per table: the shards of two
    tables cover the same row ranges), or None for tables in memory."""
    folder = tables_dir(cfg)
    return None if folder is None else os.path.join(folder, name)


def _loader(inputs: JobInputs, ctx: ReplicaContext, num_nodes: int):
    from distgnn.sampler import RandomWalkLoader

    m, s, cfg = inputs.config.model, inputs.config.sampler, inputs.config
    return RandomWalkLoader(inputs.source, walk_length=m.walk_length, context_size=m.context_size,
                            walks_per_node=m.walks_per_node,
                            num_negative_samples=m.num_negative_samples, p=m.p, q=m.q,
                            batch_size=s.batch_size, prefetch=s.prefetch,
                            start_nodes=start_nodes(num_nodes, ctx.rank, ctx.world_size),
                            shuffle=True, seed=loader_seed(cfg.run.seed, ctx.rank),
                            timeout=cfg.sync.remote_timeout_s, windows=m.optimizer != "sgns")


def _sgns_lr(run, schedule: Schedule, steps: int) -> Tuple[float, float]:
    """word2vec's rate for this step: linear from run.lr to run.lr / 250 over all the walks of
    all run.epochs (every replica takes the same walks per step, so the global step counts
    them; not run.max_steps: a run stopped early resumes into the schedule of the full one)."""
    total = max(1, run.epochs * steps)
    at = min(schedule.global_step, total)
    return (run.lr * (1 - 0.996 * at / total), run.lr * (1 - 0.996 * min(at + 1, total) / total))


class Node2VecJob:
    """One replica of the node2vec job for :func:`~distgnn.jobs.epochs.run_epochs`."""

    def __init__(self, inputs: JobInputs, ctx: ReplicaContext) -> None:
        from distgnn.partition import open_store

        store = open_store(inputs.store)
        self.inputs, self.ctx, self.run = inputs, ctx, inputs.config.run
        self.num_nodes = n = int(store.num_nodes)
        self.labels = store_labels(store) if ctx.is_main else None
        self.embeddings = {EMBEDDING_NAME: _make_embedding(inputs, n)}
        self.sgns: Optional[SgnsState] = None
        if inputs.config.model.optimizer == "sgns":
            self.embeddings[CONTEXT_NAME] = _make_embedding(inputs, n, CONTEXT_NAME)
            self.sgns = _sgns_state(inputs, ctx, store)
        self.tables = list(self.embeddings.values())
        self.steps = -(-len(start_nodes(n, 0, ctx.world_size)) // inputs.config.sampler.batch_size)
        self.loader = None

    def resumed(self, state) -> None:
        # the tables are restored in place by the driver's ctx.load(embeddings=...)
        if self.sgns is not None:
            self.sgns.in_place = in_place_tables(self.tables, self.ctx)
        self.loader = _loader(self.inputs, self.ctx, self.num_nodes)

    def state(self) -> dict:
        return {}

    def begin_epoch(self, epoch: int, progress):
        self.loader.epoch = epoch
        return self.loader

    def step(self, batch, schedule: Schedule):
        sgns, ctx = self.sgns, self.ctx
        if batch is None:
            if sgns is None or sgns.in_place is None:  # in place: no exchange to join
                for table in self.tables:
                    empty_step(table)
            return {}, 0
        if sgns is not None:
            first = (schedule.global_step * ctx.world_size + ctx.rank) * sgns.walks_per_step
            scored = schedule.step % LOSS_EVERY == 0
            loss, pairs = sgns_train_batch(self.tables, batch.walks, sgns,
                                           *_sgns_lr(self.run, schedule, self.steps),
                                           first_walk_id=first, with_loss=scored)
            return ({"loss_sum": loss, "batches": 1.0} if scored else {}), pairs
        pos, neg = batch
        loss = node2vec_step(self.tables[0], pos, neg)
        return {"loss_sum": loss, "batches": 1.0}, pos.size(0) * (pos.size(1) - 1)

    def end_epoch(self, epoch: int, sums, progress, evaluate_now: bool) -> dict:
        scores = {}
        if evaluate_now and self.labels is not None:
            scores = logistic_regression_scores(self.embeddings[EMBEDDING_NAME].weight().numpy(),
                                                self.labels)
        total = self.ctx.all_sum([sums.get("loss_sum", 0.0), sums.get("batches", 0.0),
                                  progress.rates()[1]]).tolist()
        return {"train_loss": total[0] / max(total[1], 1.0), "batches_per_s": progress.rates()[0],
                "samples_per_s": total[2], "epoch_time_s": progress.elapsed,
                "steps_per_epoch": float(self.steps),
                "batch_size": float(self.inputs.config.sampler.batch_size), **scores}

    def close(self) -> None:
        if self.loader is not None:
            self.loader.close()


def node2vec_replica(inputs: JobInputs, ctx: ReplicaContext) -> None:
    """The training loop of one replica: :class:`Node2VecJob` on the epoch driver."""
    run_epochs(Node2VecJob(inputs, ctx), ctx, inputs.config.run, inputs.bars)
