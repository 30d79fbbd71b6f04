"""The per-replica context a train function sees (:func:`get_context`)."""
import os
import shutil
import tempfile
from typing import Any, Dict, List, Mapping, Optional

import torch

from .checkpoint import latest_checkpoint, read_checkpoint_dir, save_checkpoint, write_checkpoint_dir
from .config import RunConfig, ScalingConfig, SyncConfig
from .metrics import HISTORY_FILE, MetricsSink, read_history
from .replica_state import capture_replica_state, pop_replica_state, with_replica_states

__all__ = ["TrainContext", "LocalContext", "RayContext", "get_context", "current_context",
           "read_history", "METRICS_FILE"]

METRICS_FILE = HISTORY_FILE

_CURRENT: Optional["TrainContext"] = None


class TrainContext:
    """What a replica knows about the job: its rank, device and how to report and resume."""

    def __init__(self, rank: int, world_size: int, local_rank: int, device: torch.device,
                 scaling: ScalingConfig, sync: SyncConfig, run: RunConfig, run_id: str = "") -> None:
        self.rank, self.world_size, self.local_rank = rank, world_size, local_rank
        self.device, self.scaling, self.sync, self.run = device, scaling, sync, run
        self.run_id = run_id  # the run's unique id (see distgnn.distributed.run_id)
        self.history: List[Dict[str, Any]] = []
        self._sink = MetricsSink(run.run_dir) if rank == 0 else None

    @property
    def is_distributed(self) -> bool:
        """True when several replicas share a torch.distributed process group."""
        return self.world_size > 1 and torch.distributed.is_available() and \
            torch.distributed.is_initialized()

    @property
    def run_dir(self) -> str:
        return self.run.run_dir

    def _record(self, metrics: Mapping[str, Any], row: bool) -> None:
        """Keep ``metrics``; rank 0's :class:`~.metrics.MetricsSink` writes them."""
        self.history.append(dict(metrics))
        if self._sink is not None:
            self._sink.record(metrics, row)

    def close(self) -> None:
        """Close the metrics sink (the trainer calls it when the train function returns)."""
        if self._sink is not None:
            self._sink.close()

    def barrier(self) -> None:
        if self.is_distributed:
            torch.distributed.barrier()

    def report(self, metrics: Mapping[str, Any], checkpoint: Optional[Mapping[str, Any]] = None,
               embeddings: Optional[Mapping[str, Any]] = None,
               replica: Optional[Mapping[str, Any]] = None, row: bool = True) -> None:
        """Record ``metrics``; with ``checkpoint`` (a state dict) also save a checkpoint.

        Every replica must call it at the same points. With ``row`` (default) metrics
        that name an ``epoch`` are that epoch's row of ``metrics.csv``; a checkpoint
        taken within an epoch reports its position with ``row=False``. ``embeddings`` (name ->
        :class:`ShardedEmbedding`) are saved with the checkpoint, shard by shard.
        Each replica's random state and its own ``replica`` values (plain data)
        are saved too (:mod:`.replica_state`).
        """
        raise NotImplementedError

    def load_checkpoint(self, embeddings: Optional[Mapping[str, Any]] = None) -> Optional[Dict[str, Any]]:
        """The state of the newest checkpoint of this run (None on a fresh start).

        ``embeddings`` named in the checkpoint are restored in place, and this
        replica's random state; ``state["replica"]`` holds the values it reported.
        """
        raise NotImplementedError


class LocalContext(TrainContext):
    """One replica in this process; checkpoints go to ``<run.parent_dir>/<run.name>``, the run directory."""

    def report(self, metrics, checkpoint=None, embeddings=None, replica=None, row=True) -> None:
        self._record(metrics, row)
        if checkpoint is not None:
            state = with_replica_states(checkpoint, [capture_replica_state(replica)])
            save_checkpoint(self.run_dir, state, step=_next_index(self.run_dir),
                            embeddings=embeddings, keep=self.run.keep_checkpoints)

    def load_checkpoint(self, embeddings=None):
        path = latest_checkpoint(self.run_dir)
        state = None if path is None else read_checkpoint_dir(path, embeddings)
        pop_replica_state(state, self.rank, self.world_size)
        return state


class RayContext(TrainContext):
    """A replica on a Ray Train worker; Ray Train stores and restores the checkpoints."""

    def report(self, metrics, checkpoint=None, embeddings=None, replica=None, row=True) -> None:
        import ray.train
        self._record(metrics, row)
        if checkpoint is None:
            ray.train.report(dict(metrics))
            return
        self.barrier()  # every replica's updates are in before the state is read
        states = self._gather_replica_states(replica)
        tmp = tempfile.mkdtemp(prefix="distgnn-ckpt-")
        try:
            ckpt = None
            if self.rank == 0:
                write_checkpoint_dir(tmp, with_replica_states(checkpoint, states), embeddings)
                ckpt = ray.train.Checkpoint.from_directory(tmp)
            ray.train.report(dict(metrics), checkpoint=ckpt)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def load_checkpoint(self, embeddings=None):
        path = self._newest_checkpoint_path()
        state = None
        if path is not None and os.path.isdir(path):
            state = read_checkpoint_dir(path, embeddings, restore_shards=self.rank == 0)
        else:  # the run directory is not visible here: ask Ray Train for its copy
            import ray.train
            ckpt = ray.train.get_checkpoint()
            if ckpt is not None:
                with ckpt.as_directory() as local:
                    state = read_checkpoint_dir(local, embeddings, restore_shards=self.rank == 0)
        pop_replica_state(state, self.rank, self.world_size)
        self.barrier()  # shards are restored before any replica pulls
        return state

    def _gather_replica_states(self, replica) -> List[Dict[str, Any]]:
        """Every rank's random state and values, in rank order."""
        mine = capture_replica_state(replica)
        if not self.is_distributed:
            return [mine]
        states: List[Any] = [None] * self.world_size
        torch.distributed.all_gather_object(states, mine)
        return states

    def _newest_checkpoint_path(self) -> Optional[str]:
        """Rank 0's choice of the newest complete checkpoint in the run directory.

        Ray Train registers a checkpoint only after its controller has heard
        from every worker, so one written just before a crash can be missing
        from ``ray.train.get_checkpoint()`` although it is complete on disk.
        """
        path = [latest_checkpoint(self.run_dir) if self.rank == 0 else None]
        if self.is_distributed:
            torch.distributed.broadcast_object_list(path, src=0)
        return path[0]


def _next_index(run_dir: str) -> int:
    """One past the highest checkpoint number in ``run_dir`` (so restarts never reuse one)."""
    nums = [int(n[len("checkpoint_"):]) for n in (os.listdir(run_dir) if os.path.isdir(run_dir) else [])
            if n.startswith("checkpoint_") and n[len("checkpoint_"):].isdigit()]
    return max(nums, default=0) + 1


def current_context() -> Optional[TrainContext]:
    """The context of the running train function, or None outside one."""
    return _CURRENT


def get_context() -> TrainContext:
    """The context of the running train function (inside :meth:`Trainer.fit` only)."""
    if _CURRENT is None:
        raise RuntimeError("get_context() is only available inside a train function run by "
                           "distgnn.distributed.Trainer(...).fit()")
    return _CURRENT


def _set_context(ctx: Optional[TrainContext]) -> None:
    global _CURRENT
    _CURRENT = ctx
