"""``Trainer``: run a train function on one replica in this process or on Ray Train workers."""
import inspect
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch

from .checkpoint import latest_checkpoint
from .config import RunConfig, ScalingConfig, SyncConfig
from .placement import alive_nodes, lost_replica_nodes, ray_strategy, record_replicas
from .context import LocalContext, RayContext, _set_context
from .metrics import read_history, read_rows
from .errors import DistributedError
from .local_ray import join_or_start_ray, stop_local_ray
from .run_id import actor_prefix, ensure_run_id
from .sharded_embedding import SHARD_NAMESPACE

__all__ = ["Trainer", "Result", "TrainingFailedError", "RECOVERED_LOG"]

#: how often Ray Train's controller asks the replicas whether they finished or failed (seconds);
#: Ray's default of 2 s adds about 2 s to every run's end and to noticing a failed replica.
#: ``$RAY_TRAIN_HEALTH_CHECK_INTERVAL_S`` set by the user wins.
POLL_INTERVAL_S = 0.25

#: where the tracebacks of failures a run recovered from go ({pid}: the driver's)
RECOVERED_LOG = "distgnn-recovered-{pid}.log"


class TrainingFailedError(DistributedError):
    """The train function failed (more often than ``run.max_failures`` allows).

    ``lost_nodes`` names the replicas whose Ray node had left the cluster by then."""

    lost_nodes: Sequence[str] = ()


@dataclass
class Result:
    """What :meth:`Trainer.fit` returns."""
    metrics: Dict[str, Any] = field(default_factory=dict)   # the last metrics rank 0 reported
    history: List[Dict[str, Any]] = field(default_factory=list)  # every report of rank 0
    rows: List[Dict[str, float]] = field(default_factory=list)  # metrics.csv: one row per epoch
    checkpoint: Optional[str] = None   # path of the newest checkpoint
    path: Optional[str] = None         # the run directory
    return_value: Any = None           # what rank 0's train function returned


def _call(train_fn: Callable, config: Optional[Dict[str, Any]]):
    params = inspect.signature(train_fn).parameters
    return train_fn(config) if params else train_fn()


def _ray_entry(payload: Dict[str, Any]):
    """Runs on every Ray Train worker: set up the context, then the user's function."""
    import ray.train
    import ray.train.torch
    tc = ray.train.get_context()
    use_gpu = payload["scaling"].use_gpu
    device = ray.train.torch.get_device() if use_gpu else torch.device("cpu")
    ctx = RayContext(tc.get_world_rank(), tc.get_world_size(), tc.get_local_rank(), device,
                     payload["scaling"], payload["sync"], payload["run"], payload["run_id"])
    _set_context(ctx)
    try:
        record_replicas(ctx.run_dir, ctx.rank, ctx.world_size, payload["strategy"])
        return _encode(_call(payload["train_fn"], payload["config"]))
    finally:
        ctx.close()
        _set_context(None)


_TENSOR = "__distgnn_tensor__"


def _encode(value):
    """Tensors in a return value travel as numpy arrays (Ray Train refuses tensors)."""
    if isinstance(value, torch.Tensor):
        return {_TENSOR: value.detach().cpu().numpy()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_encode(v) for v in value)
    return value


def _decode(value):
    if isinstance(value, dict):
        if set(value) == {_TENSOR}:
            return torch.from_numpy(value[_TENSOR].copy())  # Ray hands back read-only arrays
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_decode(v) for v in value)
    return value


def _note_recovered(failures: int, limit: int, exc: BaseException) -> None:
    """One line on stderr; the traceback appended to :data:`RECOVERED_LOG` in the temp directory."""
    path = os.path.join(tempfile.gettempdir(), RECOVERED_LOG.format(pid=os.getpid()))
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"failure {failures} at {time.strftime('%Y-%m-%d %H:%M:%S')}:\n"
                     + "".join(traceback.format_exception(exc)) + "\n")
        where = f"; traceback in {path}"
    except OSError:
        where = ""
    first = (str(exc).strip().splitlines() or [""])[0]
    budget = "no limit" if limit == -1 else f"run.max_failures={limit}"
    print(f"replica failed ({type(exc).__name__}: {first}); resuming from the last checkpoint "
          f"(failure {failures}, {budget}){where}", file=sys.stderr, flush=True)


class Trainer:
    """Trains with ``train_fn`` on ``scaling.num_workers`` replicas.

    ``train_fn(config)`` (or ``train_fn()``) runs once per replica; inside,
    :func:`get_context` gives the rank, world size, device, ``report`` and
    ``load_checkpoint``. With one replica (``scaling.mode='auto'``) it runs in
    this process, without Ray, through the same code path.
    """

    def __init__(self, train_fn: Callable, config: Optional[Dict[str, Any]] = None,
                 scaling: Optional[ScalingConfig] = None, sync: Optional[SyncConfig] = None,
                 run: Optional[RunConfig] = None) -> None:
        if not callable(train_fn):
            raise TypeError(f"train_fn must be callable, got {type(train_fn).__name__}")
        for name, value, cls in (("scaling", scaling, ScalingConfig), ("sync", sync, SyncConfig),
                                 ("run", run, RunConfig)):
            if value is not None and not isinstance(value, cls):
                raise TypeError(f"{name} must be a distgnn.distributed.{cls.__name__}, "
                                f"got {type(value).__name__}")
        self.train_fn, self.config = train_fn, config
        self.scaling, self.sync, self.run = scaling or ScalingConfig(), sync or SyncConfig(), run or RunConfig()
        self.run_id = ""  # on Ray Train: the id kept in the run directory, in actor names
        self._reaper = None  # of an in-process Ray this Trainer started

    @property
    def run_dir(self) -> str:
        return self.run.run_dir

    def fit(self) -> Result:
        """Train to the end (resuming from this run's newest checkpoint, if any)."""
        if self.scaling.resolved_mode == "local":
            return self._fit_local()
        return self._fit_ray()

    # -- one process --------------------------------------------------------------
    def _fit_local(self) -> Result:
        failures = 0
        while True:
            device = torch.device("cuda" if self.scaling.use_gpu else "cpu")
            ctx = LocalContext(0, 1, 0, device, self.scaling, self.sync, self.run, self.run_id)
            _set_context(ctx)
            try:
                value = _call(self.train_fn, self.config)
                break
            except Exception as e:  # noqa: BLE001 - retried from the last checkpoint, else re-raised
                failures += 1
                if self.run.max_failures != -1 and failures > self.run.max_failures:
                    raise TrainingFailedError(f"train function failed ({failures} failure(s), "
                                              f"run.max_failures={self.run.max_failures}): "
                                              f"{type(e).__name__}: {e}") from e
                _note_recovered(failures, self.run.max_failures, e)
            finally:
                ctx.close()
                _set_context(None)
        history = read_history(self.run_dir)
        return Result(metrics=history[-1] if history else {}, history=history,
                      rows=read_rows(self.run_dir),
                      checkpoint=latest_checkpoint(self.run_dir), path=self.run_dir,
                      return_value=value)

    # -- Ray Train ------------------------------------------------------------------
    def _torch_trainer(self):
        import ray.train
        from ray.train.torch import TorchConfig, TorchTrainer
        os.environ.setdefault("RAY_TRAIN_HEALTH_CHECK_INTERVAL_S", str(POLL_INTERVAL_S))
        strategy = ray_strategy(self.scaling.placement, alive_nodes())
        payload = {"train_fn": self.train_fn, "config": self.config, "scaling": self.scaling,
                   "sync": self.sync, "run": self.run, "run_id": self.run_id, "strategy": strategy}
        resources = {"CPU": self.scaling.cpus_per_worker}
        return TorchTrainer(
            _ray_entry, train_loop_config=payload,
            torch_config=TorchConfig(backend=self.sync.resolve_backend(self.scaling.use_gpu),
                                     timeout_s=int(self.sync.init_timeout_s)),
            scaling_config=ray.train.ScalingConfig(num_workers=self.scaling.num_workers,
                                                   use_gpu=self.scaling.use_gpu,
                                                   resources_per_worker=resources,
                                                   placement_strategy=strategy),
            run_config=ray.train.RunConfig(
                name=self.run.name, storage_path=self.run.parent_dir,
                failure_config=ray.train.FailureConfig(max_failures=self.run.max_failures),
                checkpoint_config=ray.train.CheckpointConfig(num_to_keep=self.run.keep_checkpoints)))

    def _start_ray(self) -> bool:
        """Join ``run.ray_address`` (or ``$RAY_ADDRESS``) or start a private in-process Ray
        (:mod:`.local_ray`) unless Ray runs already; True when this call started or joined it."""
        import ray
        if ray.is_initialized():
            return False
        need = self.scaling.num_workers * self.scaling.cpus_per_worker + 1
        self._reaper = join_or_start_ray(self.run.ray_address, max(os.cpu_count() or 1,
                                                                   int(need + 0.999)),
                                         bool(self.run.verbose))
        return True

    def _fit_ray(self) -> Result:
        started = self._start_ray()
        try:
            self.run_id = ensure_run_id(self.run_dir)
            try:
                res = self._torch_trainer().fit()
            except Exception as e:  # noqa: BLE001 - Ray's error wraps the worker's; keep both
                err = TrainingFailedError(f"training run {self.run.name!r} failed: {e}")
                err.lost_nodes = lost_replica_nodes(self.run_dir)
                raise err from e
            finally:
                self._remove_shard_actors()
            history = read_history(self.run_dir)
            return Result(metrics=history[-1] if history else dict(res.metrics or {}),
                          history=history, rows=read_rows(self.run_dir),
                          checkpoint=res.checkpoint.path if res.checkpoint else None,
                          path=self.run_dir, return_value=_decode(getattr(res, "return_value", None)))
        finally:
            if started:
                stop_local_ray(self._reaper)
                self._reaper = None

    def _remove_shard_actors(self) -> None:
        """Kill the detached embedding-shard actors of this run (of no other run)."""
        import ray
        prefix = actor_prefix(self.run.name, self.run_id)
        for entry in ray.util.list_named_actors(all_namespaces=True):
            if entry.get("namespace") == SHARD_NAMESPACE and entry.get("name", "").startswith(prefix):
                try:
                    ray.kill(ray.get_actor(entry["name"], namespace=SHARD_NAMESPACE), no_restart=True)
                except ValueError:
                    pass
