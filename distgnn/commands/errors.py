"""One-line messages for the errors a command can end with.

``describe(exc)`` turns what a user can fix (bad input, an existing path, an OS
error such as a full disk) into one line naming the path and the fix;
``describe_failure(exc)`` turns a failure inside Ray or the distributed runtime
(an exception on a replica, a dead actor, a remote call that raised) into one
line naming the replica or actor, the method and the cause. :func:`run_command`
runs a command function and returns its exit status, 2 for both; for a failure
the full report (every traceback, the replicas' included) goes to ``error.log``
in the run directory (:func:`log_failures_to`) and the line names that file.
Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import errno
import os
import re
import sys
import tempfile
import time
import traceback
from typing import Callable, List, Optional

from distgnn.errors import InputTypeError

__all__ = ["USER_ERRORS", "describe", "describe_failure", "is_failure", "log_failures_to",
           "write_failure_log", "run_command", "FAILURE_LOG"]

#: exception types that are the user's to fix (reported in one line, exit 2)
USER_ERRORS = (ValueError, InputTypeError, OSError, MemoryError)
#: name of the full report of a failure, in the run directory
FAILURE_LOG = "error.log"
_MAX_CAUSE = 300

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

_log_dir: Optional[str] = None


def describe(exc: BaseException) -> str:
    """One line for ``exc``: what went wrong, on which path, and how to fix it."""
    if isinstance(exc, MemoryError):
        if type(exc).__name__ == "NotEnoughMemoryError":  # checked before any work: says it all
            return str(exc)
        return ("out of memory: the input is too large for the in-memory path on this machine; "
                "use fewer nodes/edges or a machine with more memory")
    if isinstance(exc, OSError) and exc.errno in _OS_FIXES and not _has_own_message(exc):
        where = exc.filename if exc.filename is not None else ""
        return f"{where}: {_OS_FIXES[exc.errno]}" if where else _OS_FIXES[exc.errno]
    return " ".join(str(exc).split()) or type(exc).__name__


def _has_own_message(exc: OSError) -> bool:
    """True when ``exc`` was raised with a message of distgnn's own (not by the OS)."""
    return exc.strerror is None and bool(exc.args)


# -- failures inside Ray and the distributed runtime ------------------------------------

def _chain(exc: BaseException) -> List[BaseException]:
    """``exc`` and its causes (``raise ... from``, then implicit context), outermost first."""
    out: List[BaseException] = []
    while exc is not None and exc not in out:
        out.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return out


def _loaded(module: str, name: str):
    """Class ``name`` of ``module`` when that module is loaded (else no exception can be one)."""
    return getattr(sys.modules.get(module), name, ())


def _is_remote_error(exc: BaseException) -> bool:
    return isinstance(exc, _loaded("distgnn.remote", "RemoteError"))


def _is_runtime_error_type(exc: BaseException) -> bool:
    mod = type(exc).__module__ or ""
    if mod == "ray" or mod.startswith("ray."):
        return True
    return _is_remote_error(exc) or \
        isinstance(exc, _loaded("distgnn.distributed.errors", "DistributedError"))


def is_failure(exc: BaseException) -> bool:
    """True when ``exc`` comes from Ray or the distributed runtime (a remote failure)."""
    return any(_is_runtime_error_type(e) for e in _chain(exc))


def _first_line(text: str, limit: Optional[int] = _MAX_CAUSE) -> str:
    """The first non-empty line of ``text`` (cut at ``limit`` characters unless None)."""
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    return line if limit is None or len(line) <= limit else line[:limit - 3] + "..."


def _cause(exc: BaseException) -> str:
    text = _first_line(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


def _raised_at(snippet: str) -> str:
    """`` (in FUNC, FILE:LINE)`` of the innermost frame of a traceback text, or ""."""
    frames = _FRAME.findall(snippet)
    if not frames:
        return ""
    path, line, func = frames[-1]
    return f" (in {func}, {os.path.basename(path)}:{line})"


def _rank_snippet(message: str, rank: int) -> str:
    """Ray Train's traceback text of ``rank`` inside a worker-group error message."""
    m = re.search(rf"\[Rank {rank} Error Snippet\]:(.*?)(?=\[Rank \d+ Error Snippet\]|\Z)",
                  message, re.S)
    return m.group(1) if m else ""


def _worker_group(exc: BaseException) -> Optional[str]:
    failures = getattr(exc, "worker_failures", None)
    if not isinstance(failures, dict) or not failures:
        return None
    rank = min(failures)
    err = failures[rank]
    what = _first_line(str(err)) if _is_remote_error(err) else \
        _cause(err) + _raised_at(_rank_snippet(str(exc), rank))
    more = f" (and {len(failures) - 1} more replica(s))" if len(failures) > 1 else ""
    return f"replica {rank}: {what}{more}"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RAY_WHERE = re.compile(r"ray::([\w.<>]+)\(\)(?: \(pid=(\d+))?")


def _ray_task(exc: BaseException) -> Optional[str]:
    """``Ray task|actor method NAME (pid N): Cause: message`` for a task that raised."""
    if not isinstance(exc, _loaded("ray.exceptions", "RayTaskError")):
        return None
    cause = exc.__dict__.get("cause")
    m = _RAY_WHERE.search(_ANSI.sub("", str(exc)))
    name = exc.__dict__.get("function_name") or (m.group(1) if m else "?")
    pid = exc.__dict__.get("pid") or (m.group(2) if m and m.group(2) else "?")
    kind = "actor method" if "." in str(name) else "task"
    what = _cause(cause) if isinstance(cause, BaseException) else _first_line(str(exc))
    return f"Ray {kind} {name} (pid {pid}): {what}"


def _actor_died(exc: BaseException) -> Optional[str]:
    """``Ray actor CLASS (pid N) died: why`` from Ray's multi-line actor-death message."""
    if not isinstance(exc, _loaded("ray.exceptions", "RayActorError")):
        return None
    text = str(exc)
    cls = re.search(r"class_name: (\S+)", text)
    pid = re.search(r"\bpid: (\d+)", text)
    why = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("The actor is dead")]
    where = f"Ray actor {cls.group(1) if cls else '?'}" + (f" (pid {pid.group(1)})" if pid else "")
    return f"{where} died: {why[-1] if why else _first_line(text)}"


def describe_failure(exc: BaseException) -> str:
    """One line for a failure inside Ray: which replica or actor, which method, the cause."""
    chain = _chain(exc)
    lost = next((e.lost_nodes for e in chain if getattr(e, "lost_nodes", None)), None)
    for e in chain:
        line = _worker_group(e)
        if line:
            return line + (f" ({', '.join(lost)} left the Ray cluster)" if lost else "")
    for e in chain:
        if hasattr(e, "controller_failure"):
            return f"Ray Train controller: {_cause(e.controller_failure)}"
    for i, e in enumerate(chain):
        if _is_remote_error(e):  # names the actor and the method
            died = [_actor_died(c) for c in chain[i + 1:]]
            why = next((d.split(" died: ", 1)[1] for d in died if d), "")
            return _first_line(str(e)) + (f" ({why})" if why and why not in str(e) else "")
    for e in chain:
        line = _ray_task(e)
        if line:
            return line
        line = _actor_died(e)
        if line:
            return line
    return _first_line(str(chain[0]), limit=None) or _cause(chain[-1])  # distgnn's own message


def log_failures_to(directory: Optional[str]) -> None:
    """Where the full report of a failure goes (the run directory; None: the temp directory)."""
    global _log_dir
    _log_dir = directory


def write_failure_log(exc: BaseException, name: str) -> Optional[str]:
    """Write every traceback of ``exc`` to ``error.log``; returns its path (None if unwritable)."""
    text = (f"distgnn {name} failed at {time.strftime('%Y-%m-%d %H:%M:%S')}: "
            f"{describe_failure(exc)}\n\n" + "".join(traceback.format_exception(exc)) +
            "\nRay's own logs (when Ray ran on this machine): /tmp/ray/session_latest/logs\n")
    places = [os.path.join(_log_dir, FAILURE_LOG)] if _log_dir and os.path.isdir(_log_dir) else []
    places.append(os.path.join(tempfile.gettempdir(), f"distgnn-{name}-{os.getpid()}-{FAILURE_LOG}"))
    for path in places:
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            return path
        except OSError:
            continue
    return None


def run_command(func: Callable[[], Optional[int]], name: str) -> int:
    """Run ``func``; user errors and failures print ``distgnn NAME: error: ...`` on stderr, return 2."""
    try:
        return int(func() or 0)
    except BrokenPipeError:
        # the reader went away (e.g. `distgnn inspect ... | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - sorted below; bugs are re-raised
        if is_failure(exc):
            path = write_failure_log(exc, name)
            where = f" (full log: {path})" if path else ""
            print(f"distgnn {name}: error: {describe_failure(exc)}{where}", file=sys.stderr)
            return 2
        if isinstance(exc, USER_ERRORS):
            print(f"distgnn {name}: error: {describe(exc)}", file=sys.stderr)
            return 2
        raise
