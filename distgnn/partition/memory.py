"""The memory a partitioner may plan with: what the machine has available now."""
from __future__ import annotations

import os

__all__ = ["available_bytes"]


def available_bytes() -> float:
    """``MemAvailable`` of /proc/meminfo in bytes (the physical memory where it cannot be read)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
