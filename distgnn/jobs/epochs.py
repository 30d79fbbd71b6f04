"""The one epoch driver of every job: resume, schedule, skip-ahead, checkpoints, reporting.

A job supplies a :class:`ReplicaJob`: how to restore and snapshot its state, the
batches of an epoch, one optimiser step on a batch, and the row an epoch ends
with (its evaluation included). :func:`run_epochs` owns the rest, the same for
every job:

* resume: the newest checkpoint (embedding tables restored in place) is handed
  to the job, and :class:`~distgnn.jobs.schedule.Schedule` starts where it left off;
* skip-ahead: a resumed epoch draws its batches again and skips those trained
  before the checkpoint, so the epoch's stream (and its RNG) is the uninterrupted one;
* running sums: what the steps add up (loss, nodes, pairs) carried across a
  resume, so a resumed epoch's row sums all its steps;
* mid-epoch checkpoints (``run.checkpoint_every_steps``), epoch checkpoints
  (``run.checkpoint_every``), ``run.max_steps``, evaluation cadence
  (``run.eval_every``) and one row per epoch for ``metrics.csv``.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional, Protocol, Tuple

from distgnn.traffic import TRAFFIC, dense_gradient_bytes, per_step
from distgnn.jobs.context import ReplicaContext
from distgnn.jobs.progress import Progress
from distgnn.jobs.schedule import Schedule

__all__ = ["ReplicaJob", "run_epochs", "add_sums"]


class ReplicaJob(Protocol):
    """What a job gives :func:`run_epochs` (one instance per replica)."""

    #: optimiser steps per epoch and replica (every replica takes the same number)
    steps: int
    #: embedding tables saved with each checkpoint and restored in place ({} for none)
    embeddings: Mapping[str, Any]

    def resumed(self, state: Optional[Dict[str, Any]]) -> None:
        """Restore from a checkpoint's ``state`` (None: a fresh start)."""

    def state(self) -> Dict[str, Any]:
        """What a checkpoint keeps besides the embeddings and the position."""

    def begin_epoch(self, epoch: int, progress: Progress) -> Iterable:
        """The epoch's batches in order (fewer than ``steps``: the rest are empty steps)."""

    def step(self, batch, schedule: Schedule) -> Tuple[Dict[str, float], float]:
        """One optimiser step on ``batch`` (None: an empty step, to keep the replicas in
        step): the sums it adds and the units (nodes, pairs) it counts on the bar."""

    def end_epoch(self, epoch: int, sums: Dict[str, float], progress: Progress,
                  evaluate: bool) -> Dict[str, float]:
        """The epoch's metrics row (without ``epoch``), evaluated when ``evaluate``."""

    def close(self) -> None:
        """Release loaders and clients."""


def add_sums(sums: Dict[str, float], more: Mapping[str, float]) -> None:
    """``sums += more``, key by key."""
    for key, value in more.items():
        sums[key] = sums.get(key, 0.0) + float(value)


def run_epochs(job: ReplicaJob, ctx: ReplicaContext, run, bars: bool) -> None:
    """Train ``job`` on this replica for ``run.epochs`` (or ``run.max_steps``), resuming
    from the newest checkpoint in ``run.dir``."""
    embeddings = dict(job.embeddings) or None
    resume = ctx.load(embeddings=embeddings)
    job.resumed(resume)
    schedule = Schedule(run, resume)

    def state(position: Dict[str, int]) -> Dict[str, Any]:
        return {**job.state(), "position": position}

    try:
        for epoch in schedule.epochs():
            skip = schedule.start_epoch(epoch)
            progress = ctx.progress(job.steps - skip, epoch, bars)
            sums = dict(ctx.epoch_sums(resume, epoch, skip))
            sent = TRAFFIC.snapshot()
            batches = iter(job.begin_epoch(epoch, progress))
            for i in range(job.steps):
                batch = next(batches, None)
                if i < skip:
                    continue
                if schedule.done():
                    break
                added, units = job.step(batch, schedule)
                add_sums(sums, added)
                progress.update(units)
                if schedule.after_step():
                    position = schedule.position()
                    ctx.checkpoint(position, state(position), embeddings, sums=dict(sums))
            progress.close()
            traffic = per_step(sent, job.steps - skip)  # this replica's calls to the servers, evaluation aside
            if ctx.world_size > 1 and getattr(job, "model", None) is not None:
                traffic["grad_bytes_per_step"] = dense_gradient_bytes(job.model)  # all-reduced every step
            row = {"epoch": epoch, **job.end_epoch(epoch, sums, progress, schedule.eval_due(epoch)), **traffic}
            due = schedule.checkpoint_due(epoch)
            position = schedule.end_epoch(job.steps)
            ctx.report(row, state(position) if due else None, embeddings if due else None,
                       sums=sums)
            if schedule.done():
                break
    finally:
        job.close()
