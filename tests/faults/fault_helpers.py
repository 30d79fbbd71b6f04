"""Finding and killing the processes of this test's own Ray instance."""
import os
import signal
import time
from typing import List

import psutil


def actor_pid(handle) -> int:
    """The process id of a Ray actor."""
    import ray
    return int(ray.get(handle.__ray_call__.remote(lambda self: os.getpid()), timeout=60))


def own_ray_pids(title: str) -> List[int]:
    """Processes started under this one (its Ray instance) whose command line holds ``title``
    (e.g. ``ray::ShardServer``, ``RayTrainWorker``), oldest first."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if title in " ".join(p.cmdline()):
                found.append((p.create_time(), p.pid))
        except psutil.Error:
            pass
    return [pid for _, pid in sorted(found)]


def sigkill(pid: int, timeout: float = 10.0) -> None:
    """SIGKILL ``pid`` and wait until it is gone."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + timeout
    while psutil.pid_exists(pid) and time.time() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.Error:
            return
        time.sleep(0.02)
