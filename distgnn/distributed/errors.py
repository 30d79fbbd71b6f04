"""Errors raised by the distributed trainer."""

__all__ = ["DistributedError", "ActorDiedError", "RemoteTimeoutError", "CheckpointError",
           "ShardLostError"]


class DistributedError(RuntimeError):
    """Base class of the errors of ``distgnn.distributed``."""


class ActorDiedError(DistributedError):
    """A remote actor (embedding shard, sampler server) died; the message names it."""


class RemoteTimeoutError(DistributedError, TimeoutError):
    """A remote call did not answer within its timeout; the message names the actor."""


class CheckpointError(DistributedError):
    """A checkpoint is missing, incomplete or does not match what loads it."""


class ShardLostError(DistributedError):
    """An embedding shard restarted without its rows: restore it from a checkpoint."""
