"""Joining or starting Ray for a job, and checking the cluster can hold it."""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator, Optional

from distgnn.config import ConfigError, TrainConfig

__all__ = ["ray_session", "cluster_address"]


def cluster_address(cfg: TrainConfig) -> Optional[str]:
    """``run.ray_address``, else ``$RAY_ADDRESS``, else None (start Ray in-process)."""
    return cfg.run.ray_address or os.environ.get("RAY_ADDRESS") or None


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


@contextmanager
def ray_session(cfg: TrainConfig, log=print) -> Iterator[None]:
    """Use a running Ray, join the configured cluster, or start one in-process."""
    import ray

    started = False
    if not ray.is_initialized():
        address = cluster_address(cfg)
        if address:
            log(f"ray: joining {address}")
            ray.init(address=address, log_to_driver=True)
        else:
            need = cfg.scaling.num_workers * cfg.scaling.cpus_per_worker + 1
            ray.init(address="local", num_cpus=max(os.cpu_count() or 1, int(need + 0.999)),
                     log_to_driver=True)
            log("ray: started in-process")
        started = True
    try:
        _check_resources(cfg)
        yield
    finally:
        if started:
            ray.shutdown()
