"""The ClusterGCN job: ClusterGCNConv layers trained on cluster batches of the shards.

Every replica walks the same shuffled list of part groups and takes every
``world_size``-th group, so the replicas cover disjoint groups and, together,
every part. Shares that are one group short are padded with an empty step, so
every replica runs the same number of steps (the gradient all-reduce needs
that); evaluation covers every node of every part.

A replica that reads the store itself (``sampler.num_actors: 0``) reads each
batch's parts only (:mod:`distgnn.jobs.cluster_batches`) and gets the batch's
normalised adjacency ready-made from the prefetch thread; over shard-server
actors the batches come from :class:`~distgnn.sampler.ClusterLoader` as edge
lists. Both give the same groups and the same model output.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F

from distgnn import ops
from distgnn.jobs.cluster_batches import PreparedBatch, StoreClusterBatches
from distgnn.distributed.sync import unwrap
from distgnn.jobs.context import ReplicaContext
from distgnn.jobs.epochs import run_epochs
from distgnn.jobs.inputs import JobInputs
from distgnn.jobs.progress import Progress
from distgnn.jobs.schedule import Schedule
from distgnn.sampler import ClusterLoader

__all__ = ["ClusterGCN", "ClusterGCNJob", "build_model", "cluster_gcn_replica", "evaluate", "MASKS"]

MASKS = ("train", "val", "test")


def build_model(model_cfg, num_features: int, num_classes: int) -> "ClusterGCN":
    """A :class:`ClusterGCN` from the job's ``model`` section."""
    m = model_cfg
    return ClusterGCN(num_features, m.hidden_channels, num_classes, m.num_layers, m.dropout,
                      m.diag_lambda, root_weight=m.root_weight)


class ClusterGCN(torch.nn.Module):
    """``num_layers`` ClusterGCNConv layers with ReLU and dropout between them.

    A layer is :math:`(\hat{A} + \lambda\,\mathrm{diag}(\hat{A})) X W_1 + X W_2 + b`
    with :math:`\hat{A} = (D + I)^{-1}(A + I)`. ``root_weight=False`` is the layer
    the Cluster-GCN paper evaluates (Chiang et al. 2019, eq. 10): :math:`W_2` is
    held at zero and not trained; ``True`` trains it (a SAGE-style root weight).

    ``forward(x, adj)`` takes an ``edge_index`` (the convs normalise it) or the
    prepared :math:`\hat{A} + \lambda\,\mathrm{diag}(\hat{A})` of a batch as a
    ``SparseTensor`` (see :mod:`distgnn.jobs.cluster_batches`); both give the same output.
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2,
                 dropout: float = 0.5, diag_lambda: float = 0.0, root_weight: bool = True) -> None:
        super().__init__()
        from distgnn.nn import ClusterGCNConv

        sizes = [in_channels] + [hidden] * (num_layers - 1) + [out_channels]
        self.convs = torch.nn.ModuleList(
            ClusterGCNConv(a, b, diag_lambda=diag_lambda) for a, b in zip(sizes[:-1], sizes[1:]))
        self.dropout = dropout
        self.diag_lambda = float(diag_lambda)
        self.root_weight = bool(root_weight)
        if not self.root_weight:
            for conv in self.convs:
                with torch.no_grad():
                    conv.root_weight.zero_()
                conv.root_weight.requires_grad_(False)

    def forward(self, x: torch.Tensor, adj) -> torch.Tensor:
        prepared = not isinstance(adj, torch.Tensor)
        for i, conv in enumerate(self.convs):
            x = F.dropout(x, self.dropout, self.training)
            x = self._layer(conv, x, adj) if prepared else conv(x, adj)
            if i < len(self.convs) - 1:
                x = F.relu(x)
        return x

    def layer(self, i: int, x: torch.Tensor, edge_index: torch.Tensor,
              size: Tuple[int, int]) -> torch.Tensor:
        """Layer ``i`` (in eval mode) for the first ``size[1]`` rows of ``x``, on a block.

        ClusterGCNConv normalises by the target's in-degree (plus its self-loop) only,
        so the targets' rows are exact when the block holds their full in-neighbourhoods.
        """
        h = self.convs[i](x, edge_index)[:size[1]]
        return h if i == len(self.convs) - 1 else F.relu(h)

    @property
    def num_layers(self) -> int:
        return len(self.convs)

    def _layer(self, conv, x: torch.Tensor, adj) -> torch.Tensor:
        """ClusterGCNConv's output on an adjacency already normalised (the same sums)."""
        if conv.out_channels < conv.in_channels:  # transform first: fewer channels to move
            out = ops.spmm(adj, x @ conv.weight)
        else:
            out = ops.spmm(adj, x) @ conv.weight
        if self.root_weight:
            out = out + x @ conv.root_weight
        if conv.bias is not None:
            out = out + conv.bias
        return out


def _masked_ce(out: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    if not bool(mask.any()):
        return out.sum() * 0.0  # keeps every replica's backward (and all-reduce) in step
    return F.cross_entropy(out[mask], y[mask])


def _inputs(batch, device) -> tuple:
    """``(x, adjacency)`` of a prepared batch or of a :class:`ClusterBatch`."""
    if isinstance(batch, PreparedBatch):
        return batch.x.to(device), batch.adj.to(device)
    return batch.x.to(device), batch.edge_index.to(device)


def _step(model, optimizer, batch, num_features: int, device) -> tuple:
    """One optimizer step on ``batch`` (None: an empty step that only joins the all-reduce)."""
    optimizer.zero_grad()
    if batch is None:  # one isolated zero node: the layers fail on a graph without nodes
        x = torch.zeros(1, num_features, device=device)
        out = model(x, torch.zeros(2, 0, dtype=torch.long, device=device))
        loss, n, nodes = out.sum() * 0.0, 0, 0
    else:
        mask = batch["train"].to(device)
        out = model(*_inputs(batch, device))
        loss = _masked_ce(out, batch.y.to(device), mask)
        n, nodes = int(mask.sum()), int(batch.num_nodes)
    loss.backward()
    optimizer.step()
    return float(loss.detach()) * n, n, nodes


def _num_features(loader) -> int:
    return loader.num_features if isinstance(loader, StoreClusterBatches) \
        else loader.client.num_features


@torch.no_grad()
def evaluate(model, loader, device) -> Dict[str, float]:
    """Correct predictions and node counts per mask over this replica's share of parts."""
    model.eval()
    counts = {f"{m}_{k}": 0.0 for m in MASKS for k in ("correct", "total")}
    for batch in loader:
        pred = model(*_inputs(batch, device)).argmax(-1).cpu()
        for m in MASKS:
            if m not in batch:
                continue
            mask = batch[m]
            counts[f"{m}_correct"] += float((pred[mask] == batch.y[mask]).sum())
            counts[f"{m}_total"] += float(mask.sum())
    return counts


def _epoch_metrics(ctx: ReplicaContext, train: Dict[str, float],
                   counts: Optional[Dict[str, float]], progress: Progress) -> Dict[str, float]:
    train = {"loss_sum": train.get("loss_sum", 0.0), "train_nodes": train.get("train_nodes", 0.0)}
    keys = sorted(train) + (sorted(counts) if counts else [])
    local = [train[k] for k in sorted(train)] + ([counts[k] for k in sorted(counts)] if counts else [])
    total = dict(zip(keys + ["samples_per_s"], ctx.all_sum(local + [progress.rates()[1]]).tolist()))
    row = {"train_loss": total["loss_sum"] / max(total["train_nodes"], 1.0),
           "batches_per_s": progress.rates()[0], "samples_per_s": total["samples_per_s"],
           "epoch_time_s": progress.elapsed}
    if counts:
        for m in MASKS:
            if total[f"{m}_total"] > 0:
                row[f"{m}_acc"] = total[f"{m}_correct"] / total[f"{m}_total"]
                row[f"{m}_nodes"] = total[f"{m}_total"]
    return row


def _setup(inputs: JobInputs, ctx: ReplicaContext):
    from distgnn.partition import open_store

    store = open_store(inputs.store)
    if store.num_classes < 2 or not store.num_features:
        raise ValueError("job cluster_gcn needs node features and labels in the store; "
                         "use data.generator.name=planted_partition or a store with x and y")
    m, r = inputs.config.model, inputs.config.run
    torch.manual_seed(r.seed)
    model = build_model(m, store.num_features, store.num_classes).to(ctx.device)
    model = ctx.prepare_model(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=r.scaled_lr(ctx.world_size),
                                 weight_decay=r.weight_decay)
    return model, optimizer


class ClusterGCNJob:
    """One replica of the cluster_gcn job for :func:`~distgnn.jobs.epochs.run_epochs`."""

    embeddings: Dict[str, object] = {}

    def __init__(self, inputs: JobInputs, ctx: ReplicaContext) -> None:
        self.ctx = ctx
        self.model, self.optimizer = _setup(inputs, ctx)
        self.train_loader, self.eval_loader = _loaders(inputs, ctx)
        self.steps = self.train_loader.steps_per_epoch
        self.num_features = _num_features(self.train_loader)

    def resumed(self, state) -> None:
        if state is not None:  # each replica's RNG: restored by ctx.load
            unwrap(self.model).load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])

    def state(self) -> dict:
        return {"model": unwrap(self.model).state_dict(), "optimizer": self.optimizer.state_dict()}

    def begin_epoch(self, epoch: int, progress: Progress):
        self.model.train()
        self.train_loader.epoch = epoch  # reproducible epochs, also after a resume
        return self.train_loader

    def step(self, batch, schedule: Schedule):
        loss_sum, n, nodes = _step(self.model, self.optimizer, batch, self.num_features,
                                   self.ctx.device)
        return {"loss_sum": loss_sum, "train_nodes": float(n)}, nodes

    def end_epoch(self, epoch: int, sums, progress: Progress, evaluate_now: bool) -> dict:
        counts = evaluate(unwrap(self.model), self.eval_loader, self.ctx.device) \
            if evaluate_now else None
        return {**_epoch_metrics(self.ctx, sums, counts, progress),
                "steps_per_epoch": float(self.steps)}

    def close(self) -> None:
        self.train_loader.close()
        self.eval_loader.close()


def cluster_gcn_replica(inputs: JobInputs, ctx: ReplicaContext) -> None:
    """The training loop of one replica: :class:`ClusterGCNJob` on the epoch driver."""
    run_epochs(ClusterGCNJob(inputs, ctx), ctx, inputs.config.run, inputs.bars)


def _loaders(inputs: JobInputs, ctx: ReplicaContext):
    """Training and evaluation batches (``sampler.eval_parts_per_batch`` parts each): from the
    store itself, or over one client of the shard servers (both loaders share it)."""
    s, r = inputs.config.sampler, inputs.config.run
    common = dict(rank=ctx.rank, world_size=ctx.world_size, prefetch=s.prefetch)
    sizes = ((True, s.parts_per_batch), (False, s.eval_parts_per_batch or s.parts_per_batch))
    if isinstance(inputs.source, str):
        loop = 1.0 + inputs.config.model.diag_lambda
        return tuple(StoreClusterBatches(inputs.source, q, shuffle, r.seed, loop_value=loop,
                                         **common) for shuffle, q in sizes)
    from distgnn.sampler.loader import as_client
    client = as_client(inputs.source, inputs.config.sync.remote_timeout_s)
    return tuple(ClusterLoader(client, num_parts_per_batch=q, shuffle=shuffle, seed=r.seed,
                               **common) for shuffle, q in sizes)

