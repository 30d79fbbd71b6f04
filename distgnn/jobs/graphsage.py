"""The GraphSAGE job: SAGEConv layers trained on neighbour-sampled mini-batches.

Each replica trains on its share of the training nodes (a fixed, disjoint,
balanced split), in mini-batches whose ``sampler.num_neighbors``-hop
neighbourhoods are sampled through the shard servers; features come with the
batch, through the replica's :class:`~distgnn.sampler.feature_cache.FeatureCache`.
Gradients are averaged over the replicas every step; a replica with one batch
fewer than the others runs an empty step so the all-reduce stays in step.
Evaluation covers every node of every mask, split over the replicas.
"""
from __future__ import annotations

import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from distgnn.distributed.sync import unwrap
from distgnn.jobs.context import ReplicaContext
from distgnn.jobs.epochs import run_epochs
from distgnn.ops.dropout import hash_dropout
from distgnn.jobs.progress import Progress

__all__ = ["GraphSAGE", "graphsage_replica", "train_on_data", "build_model", "replica_share", "MASKS",
           "batch_for_steps", "AUTO_BATCH", "bar_figures"]

MASKS = ("train", "val", "test")


class GraphSAGE(torch.nn.Module):
    """``num_layers`` SAGEConv layers; ReLU, dropout and optional batch norm / residual
    connections after each hidden layer.

    ``forward(x, edge_index)`` runs on a whole graph; ``forward(x, blocks=...)``
    on the bipartite blocks of a :class:`~distgnn.sampler.NeighborBatch` (outermost
    hop first); :meth:`layer` runs one layer (what layer-wise inference uses).
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int, num_layers: int = 2,
                 dropout: float = 0.5, aggr: str = "mean", batch_norm: bool = False,
                 residual: bool = False, root_weight: bool = True) -> None:
        super().__init__()
        from distgnn.nn import SAGEConv

        sizes = [in_channels] + [hidden_channels] * (num_layers - 1) + [out_channels]
        self.convs = torch.nn.ModuleList(SAGEConv(a, b, aggr=aggr, root_weight=root_weight)
                                         for a, b in zip(sizes[:-1], sizes[1:]))
        self.norms = torch.nn.ModuleList(torch.nn.BatchNorm1d(b) for b in sizes[1:-1]) \
            if batch_norm else None
        self.dropout, self.residual = float(dropout), bool(residual)

    @property
    def num_layers(self) -> int:
        return len(self.convs)

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()
        for norm in self.norms or ():
            norm.reset_parameters()

    def layer(self, i: int, x: torch.Tensor, edge_index: torch.Tensor,
              size: Optional[Tuple[int, int]] = None) -> torch.Tensor:
        """Layer ``i`` for the first ``size[1]`` rows of ``x`` (all rows without ``size``)."""
        x_dst = x if size is None else x[:size[1]]
        h = self.convs[i]((x, x_dst), edge_index, size=size)
        if i == self.num_layers - 1:
            return h
        if self.norms is not None:
            h = self.norms[i](h)
        if not (self.residual and h.shape == x_dst.shape):
            return hash_dropout(h, self.dropout, self.training, relu=True)  # one fused pass
        return hash_dropout(F.relu(h) + x_dst, self.dropout, self.training)

    def forward(self, x: torch.Tensor, edge_index: Optional[torch.Tensor] = None,
                blocks: Optional[Sequence] = None) -> torch.Tensor:
        if blocks is None:
            if edge_index is None:
                raise ValueError("GraphSAGE: expected edge_index or blocks, got neither")
            for i in range(self.num_layers):
                x = self.layer(i, x, edge_index)
            return x
        if len(blocks) != self.num_layers:
            raise ValueError(f"GraphSAGE: expected {self.num_layers} blocks (one per layer), "
                             f"got {len(blocks)}")
        for i, block in enumerate(blocks):
            x = self.layer(i, x, _block_adj_t(block), tuple(block.size))
        return x


def _block_adj_t(block):
    """The transposed adjacency of a sampled block, built without sorting: the sampler
    writes each target's edges together, targets in order (``edge_index[1]`` sorted), so
    the fused sparse-dense product runs with no gather of per-edge messages."""
    from distgnn.typing import SparseTensor

    n_src, n_dst = int(block.size[0]), int(block.size[1])
    src, dst = block.edge_index[0], block.edge_index[1]
    if src.numel() == 0 or bool((dst[1:] < dst[:-1]).any()):
        return block.edge_index  # empty, or not in target order: the plain path
    return SparseTensor(row=dst, col=src, sparse_sizes=(n_dst, n_src), is_sorted=True,
                        trust_data=True)


def build_model(model_cfg, num_features: int, num_classes: int) -> GraphSAGE:
    """A :class:`GraphSAGE` from the job's ``model`` section."""
    m = model_cfg
    return GraphSAGE(num_features, m.hidden_channels, num_classes, m.num_layers, m.dropout, m.aggr,
                     m.batch_norm, m.residual, m.root_weight)


def replica_share(nodes: np.ndarray, rank: int, world_size: int, seed: int) -> np.ndarray:
    """Replica ``rank``'s share of ``nodes``: a seeded permutation cut into ``world_size``
    slices whose sizes differ by at most one (together: every node exactly once)."""
    order = nodes[np.random.default_rng([seed, 7]).permutation(nodes.shape[0])]
    bounds = np.linspace(0, nodes.shape[0], world_size + 1).round().astype(np.int64)
    return np.sort(order[bounds[rank]:bounds[rank + 1]])


def _steps(share_sizes: Sequence[int], batch_size: int) -> int:
    return max(-(-int(n) // batch_size) for n in share_sizes)


#: the batch of sampler.batch_size null where an epoch has steps enough
AUTO_BATCH = 1024


def batch_for_steps(share_sizes: Sequence[int], batch_size: Optional[int], min_steps: int) -> int:
    """``batch_size`` when given; else ``AUTO_BATCH``, or ``ceil(share / min_steps)`` nodes
    when the largest share would give fewer than ``min_steps`` steps (0: ``AUTO_BATCH``)."""
    if batch_size is not None:
        return int(batch_size)
    largest = max((int(n) for n in share_sizes), default=0)
    if min_steps <= 0 or largest == 0 or _steps(share_sizes, AUTO_BATCH) >= min_steps:
        return AUTO_BATCH
    return max(1, -(-largest // min_steps))


def _empty_blocks(num_layers: int, device) -> list:
    from distgnn.sampler import Block
    # a fresh edge_index per layer: a repeated one takes the fused sparse path, which
    # fails on an empty graph
    return [Block(torch.zeros(2, 0, dtype=torch.long, device=device),
                  torch.zeros(0, dtype=torch.long, device=device), (0, 0)) for _ in range(num_layers)]


def _step(model, optimizer, batch, num_features: int, device) -> Tuple[float, int, int, int]:
    """One optimizer step on ``batch`` (None: an empty step that only joins the all-reduce).
    Returns ``(loss * seeds, seeds, correct, sampled nodes)``."""
    optimizer.zero_grad()
    if batch is None:
        out = model(torch.zeros(0, num_features, device=device),
                    blocks=_empty_blocks(unwrap(model).num_layers, device))
        loss, n, correct, nodes = out.sum() * 0.0, 0, 0, 0
    else:
        x = batch.x.to(device, non_blocking=True)
        y = batch.y.to(device, non_blocking=True)
        blocks = [b._replace(edge_index=b.edge_index.to(device, non_blocking=True)) for b in batch.blocks]
        out = model(x, blocks=blocks)
        loss = F.cross_entropy(out, y)
        n, nodes = batch.batch_size, int(batch.n_id.numel())
        correct = int((out.detach().argmax(-1) == y).sum())
    loss.backward()
    optimizer.step()
    return float(loss.detach()) * n, n, correct, nodes


def bar_figures(loader, compute_s: float) -> Dict[str, str]:
    """What the progress bar shows after the rate: the feature cache's hit rate ("-" without
    a cache), the MB of features fetched from the servers and the sampling / fetch /
    compute time shares, all since the epoch started (``compute_s``: training steps)."""
    t, cache = loader.timings, loader.feature_cache
    busy = max(t["sample_s"] + t["fetch_s"] + compute_s, 1e-9)
    return {"cache hit": "-" if cache is None else f"{cache.stats()['hit_rate']:.2f}",
            "fetched": f"{t['x_bytes'] / 2 ** 20:,.0f} MB",
            "sample/fetch/compute": f"{t['sample_s'] / busy:.2f}/{t['fetch_s'] / busy:.2f}/"
                                    f"{compute_s / busy:.2f}"}


@torch.no_grad()
def evaluate(model, loaders: Dict[str, object], device) -> Dict[str, float]:
    """Correct predictions and node counts for each mask's loader (this replica's share).

    Runs the plain model (not its all-reduce wrapper): the replicas' shares may
    take different numbers of batches."""
    model.eval()
    counts: Dict[str, float] = {}
    for name, loader in loaders.items():
        correct = total = 0
        for batch in loader:
            blocks = [b._replace(edge_index=b.edge_index.to(device)) for b in batch.blocks]
            pred = model(batch.x.to(device), blocks=blocks).argmax(-1).cpu()
            correct += int((pred == batch.y).sum())
            total += batch.batch_size
        counts[f"{name}_correct"], counts[f"{name}_total"] = float(correct), float(total)
    return counts


def _mask_name(client, base: str) -> Optional[str]:
    for name in (base, f"{base}_mask"):
        if name in client.mask_names:
            return name
    return None


def _feature_and_class_counts(client, store) -> Tuple[int, int]:
    if store is not None:
        return store.num_features, store.num_classes
    if not client.has_y:
        return client.num_features, 0
    y = client.fetch("y", np.arange(client.num_nodes, dtype=np.int64))  # an in-memory graph
    return client.num_features, int(y.max()) + 1 if y.size else 0


class _Setup:
    """Everything one replica builds before its first epoch."""

    def __init__(self, inputs, ctx: ReplicaContext) -> None:
        from distgnn.partition import open_store
        from distgnn.sampler import as_client

        cfg = inputs.config
        self.cfg, self.ctx = cfg, ctx
        self.client = as_client(inputs.source, cfg.sync.remote_timeout_s)
        store = open_store(inputs.store) if inputs.store is not None else None
        num_features, num_classes = _feature_and_class_counts(self.client, store)
        if num_classes < 2 or not num_features:
            raise ValueError("job graphsage needs node features and labels (x and y); "
                             "use data.generator.name=planted_partition or a store with x and y")
        train = _mask_name(self.client, "train")
        if train is None:
            raise ValueError(f"job graphsage needs a training mask in the store, expected 'train' "
                             f"among its masks, got {self.client.mask_names}")
        torch.manual_seed(cfg.run.seed)
        model = build_model(cfg.model, num_features, num_classes).to(ctx.device)
        self.model = ctx.prepare_model(model)
        self.optimizer = torch.optim.Adam(self.model.parameters(),
                                          lr=cfg.run.scaled_lr(ctx.world_size),
                                          weight_decay=cfg.run.weight_decay)
        nodes = self.client.where(train)
        shares = [replica_share(nodes, r, ctx.world_size, cfg.run.seed).shape[0]
                  for r in range(ctx.world_size)]
        self.batch_size = batch_for_steps(shares, cfg.sampler.batch_size, cfg.sampler.min_steps)
        self.steps = _steps(shares, self.batch_size)
        self.cache = self._cache(store, replica_share(nodes, ctx.rank, ctx.world_size, cfg.run.seed))
        self.train_loader = self._loader(replica_share(nodes, ctx.rank, ctx.world_size, cfg.run.seed),
                                         cfg.sampler.num_neighbors, self.batch_size, True)
        fan = cfg.sampler.eval_num_neighbors or cfg.sampler.num_neighbors
        self.eval_loaders = {}
        for base in MASKS:
            name = _mask_name(self.client, base)
            if name is not None:
                ids = replica_share(self.client.where(name), ctx.rank, ctx.world_size, cfg.run.seed)
                self.eval_loaders[base] = self._loader(ids, fan, cfg.sampler.eval_batch_size, False)

    def _cache(self, store, share: np.ndarray):
        """The feature cache behind actors: by in-degree, or by visits in warm-up batches."""
        from distgnn.sampler import NeighborLoader
        from distgnn.sampler.feature_cache import FeatureCache, optional_cache, visit_counts

        s = self.cfg.sampler
        if store is None or s.cache_policy == "degree":
            return optional_cache(self.client, store, s.cache_mb) if store is not None else None
        if s.cache_mb <= 0 or not self.client.remote:
            return None
        warm = NeighborLoader(self.client, list(s.num_neighbors), batch_size=self.batch_size,
                              input_nodes=share, shuffle=True, seed=self.cfg.run.seed + 7,
                              fetch_features=False)
        return FeatureCache.by_score(self.client, visit_counts(warm, s.warmup_batches), s.cache_mb)

    def _loader(self, nodes: np.ndarray, fan: List[int], batch_size: int, shuffle: bool):
        from distgnn.sampler import NeighborLoader
        from distgnn.sampler.feature_cache import FeatureCache

        # behind actors the seeds' labels are fetched once: one round trip less per batch
        labels = FeatureCache.holding(self.client, nodes, "y") if self.client.remote else None
        return NeighborLoader(self.client, list(fan), batch_size=batch_size, input_nodes=nodes,
                              shuffle=shuffle, seed=self.cfg.run.seed + 1000 * self.ctx.rank,
                              prefetch=max(self.cfg.sampler.prefetch, 1), feature_cache=self.cache,
                              label_cache=labels, pin_memory=self.ctx.device.type == "cuda",
                              edge_ids=False,  # SAGEConv takes no edge ids: none are shipped
                              kernel_threads=1)  # the other cores train (see NeighborLoader)

    def close(self) -> None:
        for loader in [self.train_loader, *self.eval_loaders.values()]:
            loader.close()


def _epoch_row(ctx: ReplicaContext, setup: _Setup, stats: Dict[str, float],
               counts: Optional[Dict[str, float]], progress: Progress, train_s: float) -> Dict[str, float]:
    """The epoch's metrics row, summed over the replicas (``epoch_time_s``: training only)."""
    cache = setup.cache.stats() if setup.cache is not None else {"hits": 0.0, "misses": 0.0}
    t = setup.train_loader.timings
    # bytes_fetched: features of the training batches served by the shard servers (or the
    # store read in this process), cache hits excluded
    stats = {k: stats.get(k, 0.0) for k in ("loss_sum", "train_nodes", "train_correct", "compute_s")}
    local = {**stats, "sample_s": t["sample_s"], "fetch_s": t["fetch_s"], "samples": float(progress.samples),
             "cache_hits": cache["hits"], "cache_misses": cache["misses"],
             "bytes_fetched": t["x_bytes"], **(counts or {})}
    keys = sorted(local)
    total = dict(zip(keys, ctx.all_sum([local[k] for k in keys]).tolist()))
    busy = max(total["sample_s"] + total["fetch_s"] + total["compute_s"], 1e-9)
    looked_up = total["cache_hits"] + total["cache_misses"]
    row = {"train_loss": total["loss_sum"] / max(total["train_nodes"], 1.0),
           "train_acc": total["train_correct"] / max(total["train_nodes"], 1.0),
           "batches_per_s": progress.batches / train_s, "samples_per_s": total["samples"] / train_s,
           "epoch_time_s": train_s, "steps_per_epoch": float(setup.steps),
           "batch_size": float(setup.batch_size), "cache_hit_rate": total["cache_hits"] / max(looked_up, 1.0),
           "bytes_fetched": total["bytes_fetched"], "sample_share": total["sample_s"] / busy,
           "fetch_share": total["fetch_s"] / busy, "compute_share": total["compute_s"] / busy}
    for m in MASKS:
        if counts is not None and f"{m}_total" in total:
            row[f"{m}_acc"] = total[f"{m}_correct"] / max(total[f"{m}_total"], 1.0)
            row[f"{m}_nodes"] = total[f"{m}_total"]
    return row


class GraphSAGEJob:
    """One replica of the graphsage job for :func:`~distgnn.jobs.epochs.run_epochs`."""

    embeddings: Dict[str, object] = {}

    def __init__(self, inputs, ctx: ReplicaContext) -> None:
        self.ctx = ctx
        self.setup = _Setup(inputs, ctx)
        self.model, self.optimizer = self.setup.model, self.setup.optimizer
        self.steps = self.setup.steps
        self.compute_s = 0.0  # this epoch's compute seconds, for the bar

    def resumed(self, state) -> None:
        if state is not None:
            unwrap(self.model).load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])

    def state(self) -> dict:
        return {"model": unwrap(self.model).state_dict(), "optimizer": self.optimizer.state_dict()}

    def begin_epoch(self, epoch: int, progress: Progress):
        setup = self.setup
        setup.train_loader.epoch = epoch  # reproducible epochs, also after a resume
        setup.train_loader.timings.update(sample_s=0.0, fetch_s=0.0, x_bytes=0.0)
        if setup.cache is not None:
            setup.cache.reset_stats()
        self.compute_s = 0.0
        progress.figures = lambda: bar_figures(setup.train_loader, self.compute_s)
        self.model.train()
        return setup.train_loader

    def step(self, batch, schedule):
        t0 = time.perf_counter()
        ls, n, c, nodes = _step(self.model, self.optimizer, batch,
                                self.setup.train_loader.client.num_features, self.ctx.device)
        took = time.perf_counter() - t0
        self.compute_s += took
        return {"loss_sum": ls, "train_nodes": float(n), "train_correct": float(c),
                "compute_s": took}, nodes

    def end_epoch(self, epoch: int, sums, progress: Progress, evaluate_now: bool) -> dict:
        self.setup.train_loader.close()  # the epoch's prefetching ends here
        train_s = progress.elapsed
        for loader in self.setup.eval_loaders.values():
            loader.epoch = epoch  # the epoch's draws, also after a resume
        counts = evaluate(unwrap(self.model), self.setup.eval_loaders, self.ctx.device) \
            if evaluate_now else None
        return _epoch_row(self.ctx, self.setup, sums, counts, progress, train_s)

    def close(self) -> None:
        self.setup.close()


def graphsage_replica(inputs, ctx: ReplicaContext) -> None:
    """The training loop of one replica (``inputs`` a :class:`~distgnn.jobs.inputs.JobInputs`):
    :class:`GraphSAGEJob` on the epoch driver."""
    run_epochs(GraphSAGEJob(inputs, ctx), ctx, inputs.config.run, inputs.bars)


def train_on_data(data, config=None) -> List[Dict[str, float]]:
    """Train the graphsage job on an in-memory :class:`~distgnn.data.Data` (``x``, ``y`` and
    ``train``/``val``/``test`` masks, with or without a ``_mask`` suffix); returns the rows of
    ``metrics.csv`` in ``config.run.dir``. ``config`` is a ``TrainConfig`` of job graphsage
    (default: its defaults); one replica runs in this process, several on Ray.
    """

    from distgnn.config import TrainConfig
    from distgnn.jobs.inputs import JobInputs
    from distgnn.jobs.replicas import run_replicas

    cfg = config if config is not None else TrainConfig(job="graphsage")
    if cfg.job != "graphsage":
        raise ValueError(f"train_on_data runs job graphsage, got a config of job {cfg.job}")
    if getattr(data, "edge_index", None) is None:
        raise TypeError(f"expected a Data with edge_index, got {type(data).__name__}")
    return run_replicas(cfg, graphsage_replica, JobInputs(cfg, None, data)).rows
