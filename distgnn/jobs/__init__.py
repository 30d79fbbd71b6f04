"""The pipelines behind ``distgnn train``: ClusterGCN and Node2Vec jobs.

``run_job(cfg)`` generates or reads a graph, partitions it into a Zarr store,
starts sampler actors and training replicas on Ray, trains, evaluates and writes
``metrics.csv``, ``plot.png``, ``summary.json`` and checkpoints to ``run.dir``.
"""
from distgnn.jobs.data_stage import prepare_store, store_path
from distgnn.jobs.metrics import MetricsLog, read_metrics
from distgnn.jobs.plot import plot_metrics
from distgnn.jobs.runner import run_job

__all__ = ["run_job", "prepare_store", "store_path", "MetricsLog", "read_metrics", "plot_metrics"]
