"""Running a job's replica function on the distributed core's ``Trainer``."""
from __future__ import annotations

import functools
import os
from typing import Callable

from distgnn.config import TrainConfig
from distgnn.jobs.context import ReplicaContext

__all__ = ["run_replicas", "has_checkpoint", "trainer_configs"]


def has_checkpoint(run_dir: str) -> bool:
    """True when ``run_dir`` holds a complete checkpoint of an earlier run."""
    from distgnn.distributed.checkpoint import latest_checkpoint

    return os.path.isdir(run_dir) and latest_checkpoint(os.path.abspath(run_dir)) is not None


def trainer_configs(cfg: TrainConfig):
    """The core's ``(ScalingConfig, SyncConfig, RunConfig)`` for ``cfg``.

    Checkpoints go to ``run.dir`` itself (``checkpoint_dir`` = its parent, ``name`` = its base name).
    """
    from distgnn.distributed import RunConfig, ScalingConfig, SyncConfig

    run_dir = os.path.abspath(cfg.run.dir)
    scaling = ScalingConfig(num_workers=cfg.scaling.num_workers, use_gpu=cfg.scaling.use_gpu,
                            cpus_per_worker=cfg.scaling.cpus_per_worker)
    sync = SyncConfig()
    run = RunConfig(dir=run_dir, ray_address=cfg.run.ray_address)
    return scaling, sync, run


def _replica_main(fn: Callable, job: dict) -> None:
    from distgnn.distributed import get_context

    ctx = ReplicaContext(get_context(), os.path.abspath(job["run"]["dir"]), job["run"]["epochs"])
    try:
        fn(job, ctx)
    finally:
        ctx.close()


def run_replicas(cfg: TrainConfig, fn: Callable, job: dict):
    """Run ``fn(job, ctx)`` on ``scaling.num_workers`` replicas; returns the Trainer's result."""
    from distgnn.distributed import Trainer

    scaling, sync, run = trainer_configs(cfg)
    trainer = Trainer(functools.partial(_replica_main, fn, job), scaling=scaling, sync=sync, run=run)
    return trainer.fit()
