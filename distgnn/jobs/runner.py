"""``run_job``: the whole pipeline of ``distgnn train`` on the driver.

generate/read -> partition to Zarr -> (shard-server actors) -> replicas -> sync ->
evaluation -> metrics.csv, plot.png, summary.json and a summary line. The
driver prints one line per epoch (and a progress bar on a terminal).

Ray is joined or started only where the job needs it: several replicas,
shard-server actors, or a job whose sampler section says it needs Ray actors
even alone (``RUNS_WITHOUT_RAY = False``, e.g. Node2Vec's embedding servers).
One replica of a job that reads the store itself runs in this process, without Ray.
"""
from __future__ import annotations

import functools
import os
import sys
import time
from contextlib import nullcontext
from typing import Dict

from distgnn.config import TrainConfig, get_job, save_config
from distgnn.config.run_paths import RUN_KIND
from distgnn.distributed.placement import read_placement
from distgnn.jobs.context import format_row
from distgnn.jobs.data_stage import prepare_store
from distgnn.jobs.inputs import JobInputs
from distgnn.jobs.progress import Console
from distgnn.jobs.ray_session import ray_session
from distgnn.jobs.replicas import has_checkpoint, run_replicas
from distgnn.jobs.summary import finish_run
from distgnn.ownership import mark_owned

__all__ = ["run_job", "needs_ray"]


def _make_run_dir(path: str) -> None:
    """Create ``path``; a new (or empty) run directory gets distgnn's marker."""
    if not os.path.isdir(path) or not os.listdir(path):
        mark_owned(path, RUN_KIND)


def _check_resume(cfg: TrainConfig) -> None:
    found = has_checkpoint(cfg.run.dir)
    if found and not cfg.run.resume:
        raise FileExistsError(f"run.dir {cfg.run.dir!r} already holds checkpoints of a run; "
                              "continue it with --resume (-p run.resume=true) or choose another run.dir")
    if cfg.run.resume and not found:
        print(f"resume: no checkpoint in {cfg.run.dir!r}, starting from epoch 1")


def needs_ray(cfg: TrainConfig) -> bool:
    """Whether the job of ``cfg`` runs on Ray (else in this process alone)."""
    return (cfg.scaling.resolved_mode == "ray" or cfg.sampler.num_actors > 0
            or not getattr(cfg.sampler, "RUNS_WITHOUT_RAY", False))


def _warn_oversubscribed(cfg: TrainConfig) -> None:
    """A warning when this machine cannot run the replicas side by side."""
    from distgnn.jobs.ray_session import cluster_address

    sc, cores = cfg.scaling, os.cpu_count() or 1
    if sc.use_gpu or sc.num_workers < 2 or cluster_address(cfg):
        return
    if sc.num_workers * sc.cpus_per_worker > cores:
        print(f"warning: scaling.num_workers={sc.num_workers} replicas x {sc.cpus_per_worker:g} CPUs "
              f"on a machine of {cores} cores: they cannot run side by side and each gets fewer "
              "steps per epoch; one replica per machine (or per GPU) uses every core",
              file=sys.stderr)


def _shard_source(cfg: TrainConfig, store: str):
    if cfg.sampler.num_actors == 0:
        return store, None
    from distgnn.partition import open_store
    from distgnn.sampler import launch_shard_servers
    parts = open_store(store).num_parts
    client = launch_shard_servers(store, min(cfg.sampler.num_actors, parts),
                                  timeout=cfg.sync.remote_timeout_s,
                                  max_relaunches=cfg.run.max_failures,
                                  wire_dtype=cfg.sync.wire_dtype)
    nodes = client.nodes()
    print(f"sampler: {len(client.servers)} shard-server actors on {len(set(nodes))} node(s)")
    return client, client


def run_job(cfg: TrainConfig) -> Dict[str, object]:
    """Run the job of ``cfg`` end to end; returns the summary (also in summary.json)."""
    t0 = time.perf_counter()
    spec = get_job(cfg.job)
    _make_run_dir(cfg.run.dir)
    _check_resume(cfg)
    save_config(cfg, os.path.join(cfg.run.dir, "config.yaml"))
    store = prepare_store(cfg)
    _warn_oversubscribed(cfg)
    bars = cfg.run.progress and sys.stderr.isatty()
    with ray_session(cfg) if needs_ray(cfg) else nullcontext():
        source, client = _shard_source(cfg, store)
        servers = client.nodes() if client is not None else []
        try:
            with spec.run_resources(cfg, store) as run_cfg, \
                    Console(cfg.run.run_dir, functools.partial(format_row, epochs=cfg.run.epochs), bars):
                result = run_replicas(run_cfg, spec.replica_function(), JobInputs(run_cfg, store, source, bars))
        finally:
            if client is not None:
                from distgnn.sampler import shutdown_shard_servers
                shutdown_shard_servers(client)
    placement = read_placement(cfg.run.dir, shard_servers=servers) if needs_ray(cfg) else None
    summary = finish_run(cfg.run.dir, cfg.job, result.rows, time.perf_counter() - t0, cfg.scaling.num_workers,
                         placement)
    print(summary["line"])
    final = summary["final"]
    if isinstance(final, dict) and "test_acc" in final:
        print(f"test accuracy: {final['test_acc']:.3f}")
    return summary
