"""The ClusterGCN job: ClusterGCNConv layers trained on cluster batches of the shards.

Every replica walks the same shuffled list of part groups and takes every
``world_size``-th group, so the replicas cover disjoint parts each epoch and run
the same number of steps (the gradient all-reduce needs that).
"""
from __future__ import annotations

from typing import Dict, List, Optional

import torch
import torch.nn.functional as F

from distgnn.jobs.context import ReplicaContext
from distgnn.jobs.progress import Progress
from distgnn.sampler import ClusterLoader

__all__ = ["ClusterGCN", "cluster_gcn_replica", "train_epoch", "evaluate"]


class ClusterGCN(torch.nn.Module):
    """``num_layers`` ClusterGCNConv layers with ReLU and dropout between them."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 2,
                 dropout: float = 0.5, diag_lambda: float = 0.0) -> None:
        super().__init__()
        from distgnn.nn import ClusterGCNConv

        sizes = [in_channels] + [hidden] * (num_layers - 1) + [out_channels]
        self.convs = torch.nn.ModuleList(
            ClusterGCNConv(a, b, diag_lambda=diag_lambda) for a, b in zip(sizes[:-1], sizes[1:]))
        self.dropout = dropout

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.convs):
            x = F.dropout(x, self.dropout, self.training)
            x = conv(x, edge_index)
            if i < len(self.convs) - 1:
                x = F.relu(x)
        return x


def _masked_ce(out: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    if not bool(mask.any()):
        return out.sum() * 0.0  # keeps every replica's backward (and all-reduce) in step
    return F.cross_entropy(out[mask], y[mask])


def train_epoch(model, loader, optimizer, device, progress: Progress) -> Dict[str, float]:
    model.train()
    total_loss, total_nodes = 0.0, 0
    for batch in loader:
        x, y = batch.x.to(device), batch.y.to(device)
        mask = batch["train"].to(device)
        optimizer.zero_grad()
        loss = _masked_ce(model(x, batch.edge_index.to(device)), y, mask)
        loss.backward()
        optimizer.step()
        n = int(mask.sum())
        total_loss += float(loss.detach()) * n
        total_nodes += n
        progress.update(int(batch.num_nodes), float(loss.detach()))
    return {"loss_sum": total_loss, "train_nodes": float(total_nodes)}


@torch.no_grad()
def evaluate(model, loader, device) -> Dict[str, float]:
    """Correct predictions and node counts per mask over this replica's share of parts."""
    model.eval()
    counts = {f"{m}_{k}": 0.0 for m in ("train", "val", "test") for k in ("correct", "total")}
    for batch in loader:
        pred = model(batch.x.to(device), batch.edge_index.to(device)).argmax(-1).cpu()
        for m in ("train", "val", "test"):
            mask = batch[m]
            counts[f"{m}_correct"] += float((pred[mask] == batch.y[mask]).sum())
            counts[f"{m}_total"] += float(mask.sum())
    return counts


def _epoch_metrics(ctx: ReplicaContext, train: Dict[str, float],
                   counts: Optional[Dict[str, float]], progress: Progress) -> Dict[str, float]:
    keys = sorted(train) + (sorted(counts) if counts else [])
    local = [train[k] for k in sorted(train)] + ([counts[k] for k in sorted(counts)] if counts else [])
    total = dict(zip(keys, ctx.all_sum(local).tolist()))
    bps, sps = progress.rates()
    rates = ctx.all_sum([sps]).tolist()
    row = {"train_loss": total["loss_sum"] / max(total["train_nodes"], 1.0),
           "batches_per_s": bps, "samples_per_s": rates[0], "epoch_time_s": progress.elapsed}
    if counts:
        for m in ("train", "val", "test"):
            row[f"{m}_acc"] = total[f"{m}_correct"] / max(total[f"{m}_total"], 1.0)
    return row


def _setup(job: dict, ctx: ReplicaContext):
    from distgnn.partition import open_store

    store = open_store(job["store"])
    if store.num_classes < 2 or not store.num_features:
        raise ValueError("job cluster_gcn needs node features and labels in the store; "
                         "use data.generator.name=planted_partition or a store with x and y")
    m, r = job["model"], job["run"]
    torch.manual_seed(r["seed"])
    model = ClusterGCN(store.num_features, m["hidden_channels"], store.num_classes,
                       m["num_layers"], m["dropout"], m["diag_lambda"]).to(ctx.device)
    model = ctx.prepare_model(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=r["lr"], weight_decay=r["weight_decay"])
    return model, optimizer


def cluster_gcn_replica(job: dict, ctx: ReplicaContext) -> None:
    """The training loop of one replica (``job`` is the config as a dict plus the store path)."""
    model, optimizer = _setup(job, ctx)
    start = 0
    resume = ctx.load()
    if resume is not None:
        _plain(model).load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        start = int(resume["epoch"]) + 1
    s, r = job["sampler"], job["run"]
    common = dict(rank=ctx.rank, world_size=ctx.world_size, num_parts_per_batch=s["parts_per_batch"],
                  prefetch=max(s["prefetch"], 1))
    train_loader = ClusterLoader(job["source"], shuffle=True, seed=r["seed"], **common)
    eval_loader = ClusterLoader(job["source"], shuffle=False, seed=r["seed"], **common)
    for epoch in range(start, r["epochs"]):
        train_loader.epoch = epoch  # reproducible epochs, also after a resume
        progress = Progress(len(train_loader), f"epoch {epoch + 1}/{r['epochs']}",
                            enabled=job.get("bars", r["progress"]) and ctx.is_main)
        stats = train_epoch(model, train_loader, optimizer, ctx.device, progress)
        progress.close()
        last = epoch == r["epochs"] - 1
        counts = evaluate(model, eval_loader, ctx.device) if last or (epoch + 1) % r["eval_every"] == 0 else None
        row = {"epoch": epoch, **_epoch_metrics(ctx, stats, counts, progress)}
        state = None
        if last or (epoch + 1) % r["checkpoint_every"] == 0:
            state = {"model": _plain(model).state_dict(), "optimizer": optimizer.state_dict(),
                     "epoch": epoch}
        ctx.report(row, state)
    train_loader.close()
    eval_loader.close()


def _plain(model: torch.nn.Module) -> torch.nn.Module:
    return getattr(model, "module", model)
