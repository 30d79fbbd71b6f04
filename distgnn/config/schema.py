"""The ``distgnn train`` configuration: one typed section per YAML section.

``job`` names a registered job (:mod:`distgnn.config.registry`); ``model`` and
``sampler`` are that job's own section classes. ``scaling``, ``sync`` and
``run`` are the runtime's :class:`~distgnn.distributed.config.ScalingConfig`,
``SyncConfig`` and ``RunConfig`` themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distgnn.distributed.config import RunConfig, ScalingConfig, SyncConfig
from distgnn.fields import ConfigError, opt, section

from . import jobs as _jobs  # noqa: F401 - registers the built-in jobs
from . import graphsage as _graphsage  # noqa: F401 - registers the graphsage job
from .registry import DEFAULT_JOB, get_job
from .sections import DataConfig

__all__ = ["TrainConfig", "SECTIONS"]

#: the sections of a config, in file order
SECTIONS = ("job", "data", "model", "sampler", "scaling", "sync", "run")


@dataclass
class TrainConfig:
    job: str = opt(DEFAULT_JOB, "job to run (`distgnn train --help --job NAME` lists its keys)")
    data: DataConfig = section(DataConfig, "graph source and partitioning")
    model: Any = field(default=None, metadata={"help": "the job's model hyper-parameters"})
    sampler: Any = field(default=None, metadata={"help": "the job's batching and shard serving"})
    scaling: ScalingConfig = section(ScalingConfig, "replicas and devices")
    sync: SyncConfig = section(SyncConfig, "gradient and embedding synchronisation, remote timeouts")
    run: RunConfig = field(default=None, metadata={  # type: ignore[assignment]
        "help": "epochs, optimiser, checkpoints, failures, logging (the job sets some defaults)"})

    def __post_init__(self) -> None:
        spec = get_job(self.job)
        for name, cls in (("model", spec.model), ("sampler", spec.sampler)):
            value = getattr(self, name)
            if value is None:
                setattr(self, name, cls())
            elif not isinstance(value, cls):
                raise ConfigError(name, f"job {self.job} takes a {cls.__name__} section, got "
                                 f"{type(value).__name__}", f"build it as {cls.__name__}(...)")
        if self.run is None:  # the job's own defaults (JobSpec.run_defaults) beneath RunConfig's
            self.run = RunConfig(**spec.run_defaults)
