"""``distgnn.distributed``: model replicas that train as one model.

* :class:`Trainer` runs a train function on ``ScalingConfig.num_workers``
  replicas: Ray Train workers (process groups over Gloo or NCCL, checkpoints,
  restarts after failures), or -- with one replica -- in this process through
  the same code path, for development and tests.
* :func:`get_context` inside the function: ``rank``, ``world_size``, ``device``,
  ``report(metrics, checkpoint=state, embeddings={...})`` and
  ``load_checkpoint(embeddings={...})`` (None on a fresh start).
* :func:`prepare_model` wraps a model so dense gradients are averaged over
  replicas every step (``DistributedDataParallel``); :func:`allreduce_gradients`
  does the same for hand-written loops.
* :class:`ShardedEmbedding` keeps embedding tables larger than one machine
  on parameter-server actors, sharded by row range: ``pull`` the rows a batch
  touches, ``push`` their gradients (SparseAdam / Adagrad / SGD on the shards).
* :func:`save_checkpoint` / :func:`load_checkpoint`: atomic checkpoint
  directories read with ``weights_only=True``.

Every remote wait has a timeout (``SyncConfig.remote_timeout_s``); failures are
:mod:`distgnn.remote`'s errors (actor died / timed out / raised), naming the
actor and the method. The jobs of ``distgnn train`` live in :mod:`distgnn.jobs`.

Example::

    from distgnn.distributed import (RunConfig, ScalingConfig, ShardedEmbedding, SyncConfig,
                                     Trainer, get_context, prepare_model)

    def train_fn(config):
        ctx = get_context()
        model = prepare_model(MyGNN())
        opt = torch.optim.Adam(model.parameters(), lr=config["lr"])
        state = ctx.load_checkpoint()
        start = 0
        if state is not None:
            model.load_state_dict(state["model"]); opt.load_state_dict(state["optimizer"])
            start = state["epoch"] + 1
        for epoch in range(start, config["epochs"]):
            for batch in my_loader(rank=ctx.rank, world_size=ctx.world_size, epoch=epoch):
                opt.zero_grad()
                loss = model(batch).mean()
                loss.backward()            # gradients are averaged over replicas here
                opt.step()
            ctx.report({"epoch": epoch, "loss": loss.item()},
                       checkpoint={"model": model.state_dict(), "optimizer": opt.state_dict(),
                                   "epoch": epoch})

    result = Trainer(train_fn, {"lr": 0.01, "epochs": 5},
                     scaling=ScalingConfig(num_workers=2),
                     run=RunConfig(dir="runs/gcn", max_failures=2)).fit()
    print(result.metrics, result.checkpoint)
"""
from .checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from .config import RunConfig, ScalingConfig, SyncConfig
from .context import TrainContext, get_context
from distgnn.remote import (ActorDiedError, RemoteCallError, RemoteError, RemoteTimeoutError,
                            ShardLostError)

from .errors import CheckpointError, DistributedError
from .sharded_embedding import ShardedEmbedding
from .sync import (allreduce_gradients, broadcast_parameters, prepare_model, replica_divergence,
                   unwrap)
from .trainer import Result, Trainer, TrainingFailedError

__all__ = ["Trainer", "Result", "ScalingConfig", "SyncConfig", "RunConfig", "TrainContext",
           "get_context", "prepare_model", "unwrap", "allreduce_gradients", "broadcast_parameters",
           "replica_divergence", "ShardedEmbedding", "save_checkpoint", "load_checkpoint",
           "latest_checkpoint", "DistributedError", "RemoteError", "ActorDiedError",
           "RemoteTimeoutError", "RemoteCallError",
           "CheckpointError", "ShardLostError", "TrainingFailedError"]
