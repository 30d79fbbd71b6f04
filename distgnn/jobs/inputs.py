"""What every replica of a job receives: the typed config and where the graph is."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from distgnn.config import TrainConfig

__all__ = ["JobInputs"]


@dataclass
class JobInputs:
    """A job's replica function is ``fn(inputs: JobInputs, ctx: ReplicaContext)``.

    ``config`` is the validated :class:`TrainConfig` (``config.model`` and
    ``config.sampler`` are the job's own section classes); ``store`` is the
    partition store's path; ``source`` is what loaders read: the store path, or
    a :class:`~distgnn.sampler.ShardClient` over shard-server actors.
    """
    config: TrainConfig
    store: str
    source: Any
    bars: bool = False  # draw progress bars (the driver has a terminal)
