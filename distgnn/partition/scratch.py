"""Scratch directories named by the process that owns them, so that the next run removes those of a killed one.

A scratch path is ``<prefix><pid>-<random>``; :func:`remove_stale` deletes the
paths with that prefix whose process no longer runs.
"""
from __future__ import annotations

import os
import shutil
import uuid
from typing import List

__all__ = ["scratch_path", "remove_stale"]


def scratch_path(prefix: str) -> str:
    """A new scratch path ``<prefix><pid>-<random>`` (not created)."""
    return f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def remove_stale(prefix: str) -> List[str]:
    """Remove the scratch paths ``<prefix><pid>-*`` whose process is gone; returns them."""
    where, head = os.path.split(os.path.abspath(prefix))
    gone = []
    if not os.path.isdir(where):
        return gone
    for name in os.listdir(where):
        pid = name[len(head):].split("-", 1)[0] if name.startswith(head) else ""
        if pid.isdigit() and not _alive(int(pid)):
            path = os.path.join(where, name)
            shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)
            gone.append(path)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
