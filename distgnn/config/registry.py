"""The job registry: ``job: NAME`` -> the job's own config sections and its replica function.

A job registers a :class:`JobSpec`: its ``model`` and ``sampler`` section classes
(dataclasses of :mod:`distgnn.fields` options), the dotted path of its replica
function (``"package.module:function"``, imported only where replicas run), and
optional cross-key checks. ``distgnn train`` takes its per-job ``--help``, its
validation and the function to run from here.

    register_job(JobSpec("graphsage", "neighbour-sampled GraphSAGE", GraphSAGEModel,
                         NeighborSampler, "distgnn.jobs.graphsage:graphsage_replica"))
"""
from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional

__all__ = ["JobSpec", "register_job", "get_job", "job_names", "DEFAULT_JOB"]

DEFAULT_JOB = "cluster_gcn"


@dataclass(frozen=True)
class JobSpec:
    """What ``distgnn train`` needs to know about one job."""
    name: str
    help: str
    model: type
    sampler: type
    replica: str  # "module:function"; the function is ``fn(inputs: JobInputs, ctx: ReplicaContext)``
    check: Optional[Callable] = None  # ``check(cfg)`` raises ConfigError on inconsistent keys
    #: the job's own defaults of ``run`` keys (e.g. ``{"epochs": 5}``), beneath what a config sets
    run_defaults: Mapping[str, Any] = field(default_factory=dict)
    #: what the defaults gave, measured, for ``distgnn train --help`` (one line, or "")
    measured: str = ""
    #: ``"module:function"`` building the job's model from ``(model section, num_features,
    #: num_classes)``, for ``distgnn infer``; "" when the job has no layer-wise inference
    build_model: str = ""
    #: where ``distgnn export`` reads a run's rows: ``"inference"`` (the layers ``distgnn
    #: infer`` wrote: embeddings and predictions) or ``"table"`` (the embedding table of the
    #: newest checkpoint)
    export_from: str = "inference"
    #: ``"module:function"``: a context manager ``(cfg, store) -> cfg`` the driver enters
    #: once the store and Ray are up, giving the config the replicas run (machine-dependent
    #: defaults resolved, e.g. where Node2Vec's tables live) and releasing what it set up
    #: when the run ends; "" for none
    resources: str = ""

    def replica_function(self) -> Callable:
        """Import and return the replica function."""
        return _import(self.replica)

    def run_resources(self, cfg, store: str):
        """The job's :attr:`resources` context for ``cfg`` (one that changes nothing when unset)."""
        if not self.resources:
            return contextlib.nullcontext(cfg)
        return _import(self.resources)(cfg, store)

    def model_builder(self) -> Callable:
        """Import and return the model builder of ``distgnn infer``."""
        return _import(self.build_model)


def _import(dotted: str) -> Callable:
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


_JOBS: Dict[str, JobSpec] = {}


def register_job(spec: JobSpec) -> JobSpec:
    """Add ``spec`` to the registry; a second registration of a name is refused."""
    for key in ("replica", "build_model"):
        value = getattr(spec, key)
        if (value or key == "replica") and ":" not in value:
            raise ValueError(f"JobSpec.{key} must be 'module:function', got {value!r}")
    if spec.export_from not in ("inference", "table"):
        raise ValueError(f"JobSpec.export_from must be 'inference' or 'table', got "
                         f"{spec.export_from!r}")
    if spec.name in _JOBS:
        raise ValueError(f"job {spec.name!r} is already registered (replica "
                         f"{_JOBS[spec.name].replica}); pick another name")
    _JOBS[spec.name] = spec
    return spec


def job_names() -> List[str]:
    return sorted(_JOBS)


def get_job(name: str) -> JobSpec:
    """The spec of job ``name``; an unknown name raises ``ConfigError`` on key ``job``."""
    if name not in _JOBS:
        from distgnn.config.convert import ConfigError
        raise ConfigError("job", f"expected one of {', '.join(job_names())}, got {name!r}",
                          f"set -p job={DEFAULT_JOB}")
    return _JOBS[name]
