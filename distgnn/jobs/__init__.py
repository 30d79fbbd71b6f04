"""The jobs behind ``distgnn train`` (the only home of jobs): ClusterGCN and Node2Vec.

``run_job(cfg)`` generates or reads a graph, partitions it into a Zarr store,
starts sampler actors and training replicas on Ray, trains, evaluates and writes
``metrics.csv``, ``plot.png``, ``summary.json`` and checkpoints to ``run.dir``.
A job is registered in :mod:`distgnn.config.registry` with its config sections and
its replica function ``fn(inputs: JobInputs, ctx: ReplicaContext)``.
"""
from distgnn.jobs.context import ReplicaContext
from distgnn.jobs.data_stage import prepare_store, store_path
from distgnn.jobs.inputs import JobInputs
from distgnn.distributed.metrics import read_metrics
from distgnn.jobs.plot import plot_metrics
from distgnn.jobs.runner import run_job

__all__ = ["run_job", "JobInputs", "ReplicaContext", "prepare_store", "store_path",
           "read_metrics", "plot_metrics"]
