"""Marking what distgnn wrote, so that it deletes nothing else.

Every directory distgnn creates and may later replace or remove (a partition
store, a run directory) carries a small marker file, ``.distgnn-owned``, written
before anything else goes into it. Removal goes through :func:`remove_owned`,
which refuses any directory without a marker of the expected kind, whatever
flags were given: a user's own data is never deleted.

    mark_owned(path, "store")
    remove_owned(path, "store", what="data.output")   # raises OwnershipError when not ours
"""
from __future__ import annotations

import json
import os
import shutil
import time
from typing import Optional, Tuple

__all__ = ["MARKER", "OwnershipError", "mark_owned", "read_marker", "is_owned", "remove_owned",
           "pid_alive", "remove_stale"]

#: the marker file's name inside an owned directory
MARKER = ".distgnn-owned"


class OwnershipError(FileExistsError):
    """A directory distgnn was asked to replace or remove was not written by distgnn."""


def mark_owned(path: str, kind: str, **info) -> None:
    """Create ``path`` when missing and write its marker (``kind`` plus ``info``)."""
    os.makedirs(path, exist_ok=True)
    record = {"kind": kind, "pid": os.getpid(), "created": time.time(), **info}
    tmp = os.path.join(path, MARKER + ".tmp")
    with open(tmp, "w") as f:
        json.dump(record, f)
    os.replace(tmp, os.path.join(path, MARKER))


def read_marker(path: str) -> Optional[dict]:
    """The marker record of ``path``, or None when it has none (or an unreadable one)."""
    try:
        with open(os.path.join(path, MARKER)) as f:
            record = json.load(f)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_owned(path: str, kind: str) -> bool:
    """True when ``path`` is a directory carrying distgnn's marker of ``kind``."""
    record = read_marker(path) if os.path.isdir(path) else None
    return record is not None and record.get("kind") == kind


def remove_owned(path: str, kind: str, what: str, **expect) -> None:
    """Remove directory ``path`` only when distgnn wrote it as ``kind``.

    ``expect`` are marker fields that must match too (e.g. ``origin="demo"``).
    An empty directory is removed as well; anything else raises
    :class:`OwnershipError` naming ``what`` and ``path``, and nothing is touched.
    """
    if not os.path.lexists(path):
        return
    if not os.path.isdir(path) or os.path.islink(path):
        raise OwnershipError(f"{what}: {path!r} is not a directory distgnn wrote; "
                             "it is left as it is — choose another path")
    if os.listdir(path):
        record = read_marker(path)
        if record is None or record.get("kind") != kind or any(
                record.get(k) != v for k, v in expect.items()):
            found = "no distgnn marker" if record is None else f"a marker of {record}"
            wanted = {"kind": kind, **expect}
            raise OwnershipError(f"{what}: {path!r} was not written by distgnn as {wanted} "
                                 f"(found {found}); it is left as it is — choose another path "
                                 "or remove it yourself")
    shutil.rmtree(path)


def remove_stale(parent: str, prefixes: Tuple[str, ...], kind: str) -> None:
    """Remove the directories in ``parent`` named with one of ``prefixes`` that distgnn wrote
    as ``kind`` from a process that no longer runs (left behind by a killed writer)."""
    if not os.path.isdir(parent):
        return
    for name in os.listdir(parent):
        if not name.startswith(prefixes):
            continue
        full = os.path.join(parent, name)
        record = read_marker(full)
        if record is not None and record.get("kind") == kind and not pid_alive(record.get("pid", -1)):
            shutil.rmtree(full, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """True when a process ``pid`` exists on this machine."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True
