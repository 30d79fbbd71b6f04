"""The runtime's configuration: replicas, synchronisation, and the run.

These three classes are also the ``scaling``, ``sync`` and ``run`` sections of
``distgnn train`` (:mod:`distgnn.config` uses them as they are): every field
carries help text and its constraints, checked on construction.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import ClassVar, Optional

from distgnn.fields import ConfigError, check_fields, opt
from distgnn.traffic import WIRE_DTYPES

from .placement import PLACEMENTS

__all__ = ["ScalingConfig", "SyncConfig", "RunConfig", "describe"]


def describe(cfg) -> str:
    """One line per field: ``name = value  # help``."""
    return "\n".join(f"{f.name} = {getattr(cfg, f.name)!r}  # {f.metadata.get('help', '')}"
                     for f in fields(cfg))


@dataclass
class ScalingConfig:
    """How many replicas run and where."""
    SECTION: ClassVar[str] = "scaling"

    num_workers: int = opt(1, "training replicas (one per GPU, or per CPU slot without GPUs)", min=1)
    use_gpu: bool = opt(False, "give each replica one GPU (NCCL); false trains on CPU (Gloo)")
    cpus_per_worker: float = opt(1.0, "CPU slots Ray reserves for each replica", gt=0)
    mode: str = opt("auto", "'local' runs the replica in this process (one worker), 'ray' on "
                            "Ray Train workers, 'auto' picks local for one worker and ray otherwise",
                    choices=("auto", "local", "ray"))
    placement: str = opt("auto", "where Ray puts the replicas: 'spread' over the cluster's nodes, 'pack' "
                                 "on as few as possible, 'auto' spreads on a cluster of several nodes "
                                 "(shard and embedding servers are always spread)",
                         choices=PLACEMENTS)

    def __post_init__(self) -> None:
        check_fields(self)
        if self.mode == "local" and self.num_workers > 1:
            raise ConfigError("scaling.mode", f"'local' runs one replica, got num_workers="
                             f"{self.num_workers}", "use mode 'ray' or 'auto' for several")

    @property
    def resolved_mode(self) -> str:
        if self.mode != "auto":
            return self.mode
        return "local" if self.num_workers == 1 else "ray"


@dataclass
class SyncConfig:
    """How replicas keep their parameters identical, and how long remote calls may take."""
    SECTION: ClassVar[str] = "sync"

    backend: str = opt("auto", "torch.distributed backend: 'nccl' (GPU), 'gloo' (CPU) or 'auto'",
                       choices=("auto", "gloo", "nccl"))
    bucket_cap_mb: float = opt(25.0, "gradient bucket size of the all-reduce, in MB", gt=0)
    find_unused_parameters: bool = opt(False, "allow parameters that get no gradient in a step")
    sparse_sync: bool = opt(True, "sum sharded-embedding gradients over replicas before pushing "
                                  "(the update of one process); false pushes each replica's "
                                  "update as it comes (asynchronous)")
    embedding_servers: int = opt(2, "parameter-server actors holding a sharded embedding table "
                                    "(node2vec)", min=1)
    remote_timeout_s: float = opt(120.0, "seconds any remote call may take before it is an error",
                                  gt=0)
    init_timeout_s: float = opt(300.0, "seconds to wait for all replicas to join the process group",
                                gt=0)
    wire_dtype: str = opt("float32", "how features from shard-server actors and rows pulled "
                          "from embedding servers travel to the replicas: float32, or float16 "
                          "(2 bytes per value instead of 4; each value rounded to 11 significant "
                          "bits, relative error <= 5e-4; gradients and all arithmetic stay "
                          "float32)", choices=WIRE_DTYPES)

    def __post_init__(self) -> None:
        check_fields(self)

    def resolve_backend(self, use_gpu: bool) -> str:
        if self.backend != "auto":
            return self.backend
        return "nccl" if use_gpu else "gloo"


@dataclass
class RunConfig:
    """Where a run keeps its files, how long it trains, and how it survives failures."""
    SECTION: ClassVar[str] = "run"

    dir: str = opt("runs/job", "run directory: checkpoints, metrics.csv, plot.png, store "
                               "(shared by all nodes in a cluster)")
    epochs: int = opt(20, "training epochs", min=1)
    lr: float = opt(0.01, "learning rate", gt=0)
    lr_scaling: str = opt("sqrt", "how run.lr grows with the replicas of a data-parallel job "
                                  "trained with Adam (ClusterGCN, GraphSAGE), whose averaged "
                                  "gradients cover world_size batches in 1/world_size of the "
                                  "steps: 'sqrt' (lr x sqrt(world_size), the square-root rule "
                                  "for adaptive optimizers), 'linear' (lr x world_size, the "
                                  "rule for SGD) or 'none'", choices=("sqrt", "linear", "none"))
    weight_decay: float = opt(5e-4, "L2 weight decay (dense parameters)", min=0)
    seed: int = opt(0, "seed of model init and sampling")
    max_steps: Optional[int] = opt(None, "stop after this many steps per replica (null: all "
                                         "epochs); for smoke tests and benchmarks", min=1)
    resume: bool = opt(False, "continue from the latest checkpoint in run.dir")
    checkpoint_every: int = opt(1, "epochs between checkpoints", min=1)
    checkpoint_every_steps: int = opt(0, "steps between checkpoints within an epoch "
                                         "(0: at epoch ends only); a resumed run continues "
                                         "mid-epoch", min=0)
    keep_checkpoints: Optional[int] = opt(2, "newest checkpoints kept (null keeps all)", min=1)
    max_failures: int = opt(0, "restarts of the replicas from the last checkpoint after a "
                               "failure (a killed replica or embedding server) before the job "
                               "fails (-1: no limit); a killed shard server is restarted on "
                               "its own", min=0, allow=(-1,))
    eval_every: int = opt(1, "epochs between evaluation passes", min=1)
    progress: bool = opt(True, "show a progress bar (rate and ETA) on a terminal")
    verbose: bool = opt(False, "show Ray's own log lines on the console (they are always in "
                               "Ray's log directory)")
    ray_address: Optional[str] = opt(None, "Ray cluster to join ('auto', 'ray://host:port'; "
                                           "default: $RAY_ADDRESS, else an in-process Ray)")

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.dir or not os.path.basename(os.path.normpath(self.dir)):
            raise ConfigError("run.dir", f"expected a directory path, got {self.dir!r}",
                             "set -p run.dir=runs/NAME")

    def scaled_lr(self, world_size: int) -> float:
        """``lr`` for ``world_size`` replicas under ``lr_scaling``."""
        factor = {"sqrt": world_size ** 0.5, "linear": float(world_size), "none": 1.0}
        return self.lr * factor[self.lr_scaling]

    @property
    def run_dir(self) -> str:
        """``dir`` as an absolute path."""
        return os.path.abspath(self.dir)

    @property
    def name(self) -> str:
        """The run's name: the base name of its directory."""
        return os.path.basename(self.run_dir)

    @property
    def parent_dir(self) -> str:
        """The directory that holds the run directory (Ray Train's ``storage_path``)."""
        return os.path.dirname(self.run_dir)
