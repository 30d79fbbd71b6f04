"""Errors of the distributed trainer (remote calls fail with :mod:`distgnn.remote`'s errors)."""

__all__ = ["DistributedError", "CheckpointError"]


class DistributedError(RuntimeError):
    """Base class of the errors of ``distgnn.distributed``."""


class CheckpointError(DistributedError):
    """A checkpoint is missing, incomplete or does not match what loads it."""
