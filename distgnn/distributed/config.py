"""Configuration dataclasses of the distributed trainer (each field carries ``help``)."""
from dataclasses import dataclass, field, fields
from typing import Optional

__all__ = ["ScalingConfig", "SyncConfig", "RunConfig", "describe"]

_MODES = ("auto", "local", "ray")
_BACKENDS = ("auto", "gloo", "nccl")


def _help(text: str, default):
    return field(default=default, metadata={"help": text})


def describe(cfg) -> str:
    """One line per field: ``name = value  # help``."""
    return "\n".join(f"{f.name} = {getattr(cfg, f.name)!r}  # {f.metadata.get('help', '')}"
                     for f in fields(cfg))


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


@dataclass
class ScalingConfig:
    """How many replicas run and where."""
    num_workers: int = _help("number of model replicas (one per GPU, or per CPU slot without GPUs)", 1)
    use_gpu: bool = _help("give each replica one GPU (NCCL); false trains on CPU (Gloo)", False)
    cpus_per_worker: float = _help("CPU slots Ray reserves for each replica", 1.0)
    mode: str = _help("'local' runs train_fn in this process (num_workers must be 1), 'ray' on "
                      "Ray Train workers, 'auto' picks local for one worker and ray otherwise", "auto")

    def __post_init__(self) -> None:
        _require(isinstance(self.num_workers, int) and self.num_workers >= 1,
                 f"scaling.num_workers must be an int >= 1, got {self.num_workers!r}")
        _require(self.cpus_per_worker > 0,
                 f"scaling.cpus_per_worker must be > 0, got {self.cpus_per_worker!r}")
        _require(self.mode in _MODES, f"scaling.mode must be one of {_MODES}, got {self.mode!r}")
        _require(not (self.mode == "local" and self.num_workers > 1),
                 f"scaling.mode='local' runs one replica, got num_workers={self.num_workers}; "
                 "use mode='ray' or 'auto' for several")

    @property
    def resolved_mode(self) -> str:
        if self.mode != "auto":
            return self.mode
        return "local" if self.num_workers == 1 else "ray"


@dataclass
class SyncConfig:
    """How replicas keep their parameters identical."""
    backend: str = _help("torch.distributed backend: 'nccl' (GPU), 'gloo' (CPU) or 'auto'", "auto")
    bucket_cap_mb: float = _help("gradient bucket size for the all-reduce, in MB", 25.0)
    find_unused_parameters: bool = _help("allow parameters that get no gradient in a step", False)
    sparse_sync: bool = _help("sum sharded-embedding gradients over replicas before pushing "
                              "(same update as one process); false pushes each replica's "
                              "update as it comes (asynchronous)", True)
    remote_timeout_s: float = _help("seconds any remote call may take before it is an error", 120.0)
    init_timeout_s: float = _help("seconds to wait for all replicas to join the process group", 300.0)

    def __post_init__(self) -> None:
        _require(self.backend in _BACKENDS,
                 f"sync.backend must be one of {_BACKENDS}, got {self.backend!r}")
        _require(self.bucket_cap_mb > 0, f"sync.bucket_cap_mb must be > 0, got {self.bucket_cap_mb!r}")
        _require(self.remote_timeout_s > 0,
                 f"sync.remote_timeout_s must be > 0 seconds, got {self.remote_timeout_s!r}")
        _require(self.init_timeout_s > 0,
                 f"sync.init_timeout_s must be > 0 seconds, got {self.init_timeout_s!r}")

    def resolve_backend(self, use_gpu: bool) -> str:
        if self.backend != "auto":
            return self.backend
        return "nccl" if use_gpu else "gloo"


@dataclass
class RunConfig:
    """Where a run keeps its checkpoints and how it survives failures."""
    name: str = _help("run name: the checkpoints live in <checkpoint_dir>/<name>", "run")
    checkpoint_dir: str = _help("directory for checkpoints (shared by all nodes in a cluster)", "runs")
    max_failures: int = _help("worker-group restarts from the last checkpoint before the job fails "
                              "(-1: no limit)", 0)
    keep_checkpoints: Optional[int] = _help("newest checkpoints kept (None keeps all)", 2)
    ray_address: Optional[str] = _help("Ray cluster to join ('auto', 'ray://host:port'); None "
                                       "starts or reuses a local instance", None)

    def __post_init__(self) -> None:
        _require(isinstance(self.name, str) and self.name and "/" not in self.name,
                 f"run.name must be a non-empty string without '/', got {self.name!r}")
        _require(isinstance(self.max_failures, int) and self.max_failures >= -1,
                 f"run.max_failures must be an int >= -1, got {self.max_failures!r}")
        _require(self.keep_checkpoints is None or
                 (isinstance(self.keep_checkpoints, int) and self.keep_checkpoints >= 1),
                 f"run.keep_checkpoints must be None or an int >= 1, got {self.keep_checkpoints!r}")
