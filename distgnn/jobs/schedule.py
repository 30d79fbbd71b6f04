"""Where a job's loop is (epoch, step) and what is due: evaluation, checkpoints, the end.

Every job counts the same way, so ``run.epochs``, ``run.max_steps``,
``run.checkpoint_every``, ``run.checkpoint_every_steps`` and ``run.eval_every``
mean the same for each, and a run resumed from a checkpoint taken mid-epoch
continues at the next step of that epoch.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from distgnn.distributed.config import RunConfig

__all__ = ["Schedule"]


class Schedule:
    """The loop position of one replica (all replicas hold the same)."""

    def __init__(self, run: RunConfig, state: Optional[Dict[str, Any]] = None) -> None:
        self.run = run
        pos = (state or {}).get("position", {"epoch": 0, "step": 0, "global_step": 0})
        self.epoch, self.step, self.global_step = (int(pos["epoch"]), int(pos["step"]),
                                                   int(pos["global_step"]))

    def epochs(self):
        """The epochs still to run (the resumed one first)."""
        return range(self.epoch, self.run.epochs)

    def start_epoch(self, epoch: int) -> int:
        """Enter ``epoch``; returns the steps of it already trained (to skip)."""
        skip = self.step if epoch == self.epoch else 0
        self.epoch, self.step = epoch, skip
        return skip

    def done(self) -> bool:
        """``run.max_steps`` reached."""
        return self.run.max_steps is not None and self.global_step >= self.run.max_steps

    def after_step(self) -> bool:
        """Count one step; True when a mid-epoch checkpoint is due."""
        self.step += 1
        self.global_step += 1
        every = self.run.checkpoint_every_steps
        return bool(every) and self.global_step % every == 0 and not self.done()

    def is_last(self, epoch: int) -> bool:
        return epoch == self.run.epochs - 1 or self.done()

    def eval_due(self, epoch: int) -> bool:
        return self.is_last(epoch) or (epoch + 1) % self.run.eval_every == 0

    def checkpoint_due(self, epoch: int) -> bool:
        return self.is_last(epoch) or (epoch + 1) % self.run.checkpoint_every == 0

    def position(self) -> Dict[str, int]:
        return {"epoch": self.epoch, "step": self.step, "global_step": self.global_step}

    def end_epoch(self, steps: int) -> Dict[str, int]:
        """Leave the epoch of ``steps`` steps: the position a checkpoint now holds (the next
        epoch's start, or the current step when ``run.max_steps`` stopped it early)."""
        if self.step >= steps:
            self.epoch, self.step = self.epoch + 1, 0
        return self.position()
