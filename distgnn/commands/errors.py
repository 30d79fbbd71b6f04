"""One-line messages for the errors a command can end with.

``describe(exc)`` turns what a user can fix (bad input, an existing path, an OS
error such as a full disk) into one line naming the path and the fix;
:func:`run_command` runs a command function and returns its exit status, 2 for
such errors. Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import errno
import os
import sys
from typing import Callable, Optional

__all__ = ["USER_ERRORS", "describe", "run_command"]

#: exception types that are the user's to fix (reported in one line, exit 2)
USER_ERRORS = (ValueError, TypeError, OSError, MemoryError)

_OS_FIXES = {
    errno.EACCES: "permission denied: choose a writable location or fix its permissions",
    errno.EPERM: "operation not permitted: choose a location you own",
    errno.ENOSPC: "no space left on the device: free some space or write elsewhere",
    errno.EDQUOT: "disk quota exceeded: free some space or write elsewhere",
    errno.EFBIG: "file too large for this file system or the process's file-size limit "
                 "(ulimit -f): raise the limit or write elsewhere",
    errno.ENOTDIR: "a path component is a file, not a directory: choose another path",
    errno.EISDIR: "is a directory, expected a file: name a file",
    errno.EROFS: "read-only file system: write elsewhere",
    errno.ENOENT: "no such file or directory: check the path",
}


def describe(exc: BaseException) -> str:
    """One line for ``exc``: what went wrong, on which path, and how to fix it."""
    if isinstance(exc, MemoryError):
        return ("out of memory: the input is too large for the in-memory path on this machine; "
                "use fewer nodes/edges or a machine with more memory")
    if isinstance(exc, OSError) and exc.errno in _OS_FIXES and not _has_own_message(exc):
        where = exc.filename if exc.filename is not None else ""
        return f"{where}: {_OS_FIXES[exc.errno]}" if where else _OS_FIXES[exc.errno]
    return " ".join(str(exc).split()) or type(exc).__name__


def _has_own_message(exc: OSError) -> bool:
    """True when ``exc`` was raised with a message of distgnn's own (not by the OS)."""
    return exc.strerror is None and bool(exc.args)


def run_command(func: Callable[[], Optional[int]], name: str) -> int:
    """Run ``func``; user errors print ``distgnn NAME: error: ...`` on stderr and return 2."""
    try:
        return int(func() or 0)
    except BrokenPipeError:
        # the reader went away (e.g. `distgnn inspect ... | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except USER_ERRORS as exc:
        print(f"distgnn {name}: error: {describe(exc)}", file=sys.stderr)
        return 2
