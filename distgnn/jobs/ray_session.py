"""Joining or starting Ray for a job, and checking the cluster can hold it.

An in-process Ray (no cluster address) is private to this machine and quiet
(loopback only, a 0600 token file, a reaper that stops Ray's processes when the
driver ends or is killed, Ray's own log lines in Ray's log directory): see
:mod:`distgnn.distributed.local_ray`, which :class:`~distgnn.distributed.Trainer`
uses too. ``-p run.verbose=true`` shows Ray's log lines on the console, as do
Ray's ``RAY_LOG_TO_DRIVER=1`` and ``RAY_LOGGER_LEVEL=info``.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator, Optional

from distgnn.config import ConfigError, TrainConfig
from distgnn.distributed.local_ray import (Reaper, join_or_start_ray, log_options,
                                           secure_token_file, start_local_ray, stop_local_ray,
                                           token_path)
from distgnn.distributed.local_ray import cluster_address as _address

__all__ = ["ray_session", "cluster_address", "start_local_ray", "stop_local_ray", "Reaper",
           "log_options", "token_path", "secure_token_file", "local_cpus"]


def cluster_address(cfg: TrainConfig) -> Optional[str]:
    """``run.ray_address``, else ``$RAY_ADDRESS``, else None (start Ray in-process)."""
    return _address(cfg.run.ray_address)


def _check_resources(cfg: TrainConfig) -> None:
    import ray

    total = ray.cluster_resources()
    workers = cfg.scaling.num_workers
    if cfg.scaling.use_gpu and total.get("GPU", 0) < workers:
        raise ConfigError("scaling.use_gpu", f"{workers} replicas need {workers} GPUs, the Ray "
                          f"cluster has {int(total.get('GPU', 0))}",
                          "set -p scaling.use_gpu=false or lower scaling.num_workers")
    cpus = workers * cfg.scaling.cpus_per_worker
    if total.get("CPU", 0) < cpus:
        raise ConfigError("scaling.num_workers", f"{workers} replicas x {cfg.scaling.cpus_per_worker} "
                          f"CPUs need {cpus:g} CPUs, the Ray cluster has {total.get('CPU', 0):g}",
                          "lower scaling.num_workers or scaling.cpus_per_worker")


def local_cpus(cfg: TrainConfig) -> int:
    """CPU slots of an in-process Ray: the machine's, or what the replicas reserve (+1) if more."""
    need = cfg.scaling.num_workers * cfg.scaling.cpus_per_worker + 1
    return max(os.cpu_count() or 1, int(need + 0.999))


@contextmanager
def ray_session(cfg: TrainConfig, log=print) -> Iterator[None]:
    """Use a running Ray, join the configured cluster, or start one in-process."""
    import ray

    started, reaper = False, None
    if not ray.is_initialized():
        reaper = join_or_start_ray(cfg.run.ray_address, local_cpus(cfg), bool(cfg.run.verbose), log)
        started = True
    try:
        _check_resources(cfg)
        yield
    finally:
        if started:
            stop_local_ray(reaper)
