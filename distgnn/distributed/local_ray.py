"""An in-process Ray that is private to this machine, for every floor that starts one.

* every Ray process (GCS, raylet, workers, agents) listens on 127.0.0.1 only;
* the token of Ray's token authentication is a file of mode 0600;
* Ray's processes are stopped when the driver ends, also when it is killed:
  a small reaper process holds a pipe from the driver and, when it closes,
  stops whatever of this Ray instance is still running (Ray's agents outlive
  a killed driver otherwise);
* Ray's own log lines stay in its log directory unless ``verbose`` (or Ray's
  ``RAY_LOG_TO_DRIVER`` / ``RAY_LOGGER_LEVEL``) asks for them.

:func:`start_local_ray` / :func:`stop_local_ray` start and stop one;
:func:`join_or_start_ray` joins a cluster address (``$RAY_ADDRESS`` too) or
starts one. The job layer (:mod:`distgnn.jobs.ray_session`) and
:class:`~distgnn.distributed.Trainer` both start Ray through here.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

__all__ = ["start_local_ray", "stop_local_ray", "join_or_start_ray", "cluster_address", "Reaper",
           "log_options", "token_path", "secure_token_file"]


def cluster_address(configured: Optional[str] = None) -> Optional[str]:
    """``configured``, else ``$RAY_ADDRESS``, else None (start Ray in-process)."""
    return configured or os.environ.get("RAY_ADDRESS") or None


def log_options(verbose: bool) -> Dict[str, Any]:
    """``ray.init`` options for the console: quiet unless ``verbose`` or Ray's variables say.

    ``RAY_LOG_TO_DRIVER`` and ``RAY_LOGGER_LEVEL``, when set, win over ``verbose``.
    """
    env = os.environ.get("RAY_LOG_TO_DRIVER")
    to_driver = verbose if env is None else env.strip().lower() in ("1", "true", "yes", "on")
    level = os.environ.get("RAY_LOGGER_LEVEL") or ("info" if verbose else "error")
    return {"log_to_driver": to_driver, "logging_level": level.upper()}


def token_path() -> Optional[Path]:
    """Where Ray reads its authentication token (None when it comes from ``$RAY_AUTH_TOKEN``)."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return None
    custom = os.environ.get("RAY_AUTH_TOKEN_PATH")
    return Path(custom).expanduser() if custom else Path.home() / ".ray" / "auth_token"


def secure_token_file(create: bool) -> Optional[Path]:
    """Make Ray's token file readable by its owner only; with ``create``, write a new token
    (as Ray would: 64 hex digits) when there is none, so that it never exists with wider rights."""
    path = token_path()
    if path is None or os.environ.get("RAY_AUTH_MODE", "token").lower() != "token":
        return None
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote one just now
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    st = path.stat()
    if st.st_uid == os.getuid() and st.st_mode & 0o077:
        os.chmod(path, 0o600)
    return path


# Runs in its own small process (psutil only): waits for the driver's pipe to close, then
# stops the processes of this Ray instance that are still there -- the ones listed at start
# (matched by creation time, so a reused pid is left alone) and any child of its raylets.
_REAPER = r"""
import json, os, sys, time
import psutil
listed, raylets = json.loads(sys.argv[1]), {str(p) for p in json.loads(sys.argv[2])}
sys.stdin.buffer.read()
def alive():
    found = {}
    for pid, created in listed:
        try:
            p = psutil.Process(pid)
            if abs(p.create_time() - created) < 0.5:
                found[pid] = p
        except psutil.Error:
            pass
    for p in psutil.process_iter():
        try:
            if p.pid not in found and p.uids().real == os.getuid() and \
                    p.environ().get("RAY_RAYLET_PID") in raylets:
                found[p.pid] = p
        except psutil.Error:
            pass
    return list(found.values())
procs = alive()
for p in procs:
    try:
        p.terminate()
    except psutil.Error:
        pass
_, rest = psutil.wait_procs(procs, timeout=3)
for p in rest:
    try:
        p.kill()
    except psutil.Error:
        pass
"""


@dataclass
class Reaper:
    """The reaper process and the driver's end of its pipe."""
    process: subprocess.Popen
    pipe: int


def _start_reaper() -> Reaper:
    """A process that stops this driver's Ray processes once the driver's pipe closes."""
    import psutil

    me = psutil.Process()
    listed, raylets = [], []
    for child in me.children(recursive=True):
        try:
            listed.append([child.pid, child.create_time()])
            if child.name() == "raylet":
                raylets.append(child.pid)
        except psutil.Error:
            pass
    read_end, write_end = os.pipe()  # not inherited by later children: only the driver holds it
    try:
        proc = subprocess.Popen([sys.executable, "-c", _REAPER, json.dumps(listed), json.dumps(raylets)],
                                stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    return Reaper(proc, write_end)


def _stop_reaper(reaper: Optional[Reaper]) -> None:
    if reaper is None:
        return
    os.close(reaper.pipe)
    try:
        reaper.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        reaper.process.kill()
        reaper.process.wait()


def start_local_ray(num_cpus: int, verbose: bool = False) -> Reaper:
    """Start an in-process Ray bound to 127.0.0.1; returns its reaper (see :func:`stop_local_ray`)."""
    import ray
    from ray._private import ray_constants

    secure_token_file(create=True)
    # Ray takes the loopback address as the node's address where it runs single-machine only
    # (its OSX/Windows default); every server then listens there instead of all interfaces.
    saved = ray_constants.ENABLE_RAY_CLUSTER
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=verbose,
                 **log_options(verbose))
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved
    secure_token_file(create=False)
    return _start_reaper()


def stop_local_ray(reaper: Optional[Reaper]) -> None:
    """Shut down the in-process Ray, then let the reaper stop what outlived it."""
    import ray

    try:
        ray.shutdown()
    finally:
        _stop_reaper(reaper)


def join_or_start_ray(address: Optional[str], num_cpus: int, verbose: bool = False,
                      log=None) -> Optional[Reaper]:
    """Join ``address`` (or ``$RAY_ADDRESS``) or start a private in-process Ray.

    Returns the reaper of a Ray started here (None when one was joined); stop
    either with :func:`stop_local_ray`.
    """
    import ray

    address = cluster_address(address)
    if address:
        if log is not None:
            log(f"ray: joining {address}")
        secure_token_file(create=False)
        ray.init(address=address, **log_options(verbose))
        return None
    reaper = start_local_ray(num_cpus, verbose)
    if log is not None:
        log("ray: started in-process")
    return reaper
