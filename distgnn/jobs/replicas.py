"""Running a job's replica function on the distributed core's ``Trainer``."""
from __future__ import annotations

import dataclasses
import functools
import os
from typing import Callable

from distgnn.config import TrainConfig
from distgnn.jobs.context import ReplicaContext
from distgnn.jobs.inputs import JobInputs

__all__ = ["run_replicas", "has_checkpoint"]


def has_checkpoint(run_dir: str) -> bool:
    """True when ``run_dir`` holds a complete checkpoint of an earlier run."""
    from distgnn.distributed.checkpoint import latest_checkpoint

    return os.path.isdir(run_dir) and latest_checkpoint(os.path.abspath(run_dir)) is not None


def _replica_main(fn: Callable, inputs: JobInputs) -> None:
    from distgnn.distributed import get_context

    fn(inputs, ReplicaContext(get_context(), inputs.config.run.run_dir, inputs.config.run.epochs))


def run_replicas(cfg: TrainConfig, fn: Callable, inputs: JobInputs):
    """Run ``fn(inputs, ctx)`` on ``scaling.num_workers`` replicas; returns the Trainer's result.

    The runtime gets the config's own ``scaling``, ``sync`` and ``run`` sections
    (``run.dir`` made absolute: replicas run in other working directories).
    """
    from distgnn.distributed import Trainer

    run = dataclasses.replace(cfg.run, dir=cfg.run.run_dir)
    inputs = dataclasses.replace(inputs, config=dataclasses.replace(cfg, run=run))
    trainer = Trainer(functools.partial(_replica_main, fn, inputs), scaling=cfg.scaling,
                      sync=cfg.sync, run=run)
    return trainer.fit()
