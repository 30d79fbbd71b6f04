"""What a job's replica function sees: rank, device, model sync, metrics, checkpoints.

:class:`ReplicaContext` wraps the distributed core's per-replica context: an epoch's
row goes to the core's metrics sink (``metrics.csv``, which the driver's
:class:`~distgnn.jobs.progress.Console` prints, one line per epoch).
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch

from distgnn.jobs.progress import Progress

__all__ = ["ReplicaContext", "format_row"]


def format_row(row: Mapping[str, float], epochs: int) -> str:
    """The console line of one epoch."""
    parts = [f"epoch {int(row['epoch']) + 1}/{epochs}"]
    for key in ("train_loss", "train_acc", "val_acc", "test_acc"):
        if key in row:
            parts.append(f"{key} {row[key]:.4f}")
    parts.append(f"{row.get('batches_per_s', 0):.2f} steps/s")
    parts.append(f"{row.get('samples_per_s', 0):,.0f} samples/s")
    if "epoch_time_s" in row:
        parts.append(f"{row['epoch_time_s']:.1f} s")
    if int(row["epoch"]) == 0 and "steps_per_epoch" in row:
        parts.append(_steps_note(row))
    return " | ".join(parts)


def _steps_note(row: Mapping[str, float]) -> str:
    """The first epoch's word on how long an epoch is, and which keys change it."""
    steps = int(row["steps_per_epoch"])
    if "batch_size" not in row:
        return f"{steps} steps per epoch and replica"
    return (f"{steps} steps per epoch and replica of {int(row['batch_size'])} "
            "(sampler.batch_size sets it)")


class ReplicaContext:
    """One replica's view of the job (``inner`` is a ``distgnn.distributed`` context)."""

    def __init__(self, inner, run_dir: str, epochs: int) -> None:
        self.inner = inner
        self.rank: int = inner.rank
        self.world_size: int = inner.world_size
        self.device: torch.device = inner.device
        self.run_dir = run_dir
        self.epochs = epochs

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def prepare_model(self, model: torch.nn.Module) -> torch.nn.Module:
        from distgnn.distributed import prepare_model
        return prepare_model(model)

    def progress(self, total: int, epoch: int, bars: bool) -> Progress:
        """The counter of one epoch; replica 0 publishes it for the driver's bar."""
        show = bars and self.is_main
        return Progress(total, f"epoch {epoch + 1}/{self.epochs}", self.run_dir if show else None)

    def load(self, embeddings: Optional[Mapping[str, Any]] = None) -> Optional[Dict[str, Any]]:
        """The newest checkpoint's state (embeddings restored in place), or None."""
        return self.inner.load_checkpoint(embeddings=embeddings)

    def report(self, row: Dict[str, float], state: Optional[Dict[str, Any]] = None,
               embeddings: Optional[Mapping[str, Any]] = None,
               sums: Optional[Mapping[str, float]] = None) -> None:
        """Record an epoch's row on every replica (replica 0's goes to metrics.csv). ``sums``:
        what this replica counted of the epoch (kept for a resume when ``run.max_steps``
        stopped it mid-way, see :meth:`epoch_sums`)."""
        self.inner.report(row, checkpoint=state, embeddings=embeddings,
                          replica={"epoch_sums": dict(sums or {})})

    def checkpoint(self, position: Dict[str, int], state: Dict[str, Any],
                   embeddings: Optional[Mapping[str, Any]] = None,
                   sums: Optional[Mapping[str, float]] = None) -> None:
        """A checkpoint within an epoch (``position``: epoch and step); no metrics row.
        ``sums``: what this replica counted of the epoch so far (see :meth:`epoch_sums`)."""
        self.inner.report(dict(position), checkpoint=state, embeddings=embeddings,
                          replica={"epoch_sums": dict(sums or {})}, row=False)

    @staticmethod
    def epoch_sums(resume: Optional[Dict[str, Any]], epoch: int, skip: int) -> Dict[str, float]:
        """What this replica had counted of ``epoch`` when the checkpoint ``resume`` was taken
        (its first ``skip`` steps), so the resumed epoch's row sums all its steps; else ``{}``."""
        if resume is None or skip == 0 or int(resume["position"]["epoch"]) != epoch:
            return {}
        return dict(resume.get("replica", {}).get("epoch_sums", {}))

    def all_sum(self, values) -> torch.Tensor:
        """Element-wise sum of a float tensor over the replicas (itself when alone)."""
        t = torch.as_tensor(values, dtype=torch.float64)
        import torch.distributed as dist
        if self.world_size > 1 and dist.is_available() and dist.is_initialized():
            if self.device.type == "cuda":
                t = t.to(self.device)
            dist.all_reduce(t)
            t = t.cpu()
        return t
