"""The memory a partitioner, or a command before it starts, may plan with: what is available now."""
from __future__ import annotations

__all__ = ["available_bytes"]


def available_bytes() -> int:
    """Memory available to a new allocation now (``MemAvailable``), in bytes."""
    import psutil

    return int(psutil.virtual_memory().available)
