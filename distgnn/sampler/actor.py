"""Shard servers as Ray actors.

:func:`launch_shard_servers` starts actors of :class:`ShardServer` over a
partition store (each opens its parts lazily, on its first request) and
returns a :class:`ShardClient` for them; every loader accepts that client.
Actors are spread over the cluster's nodes by default; each needs the store
path readable where it runs.

Shard servers hold no state of their own (they reopen the store on their
first request), so a server whose process dies is restarted by Ray and the
calls it was serving are sent again: a killed server costs a retry, not the
job (``max_restarts`` times per server). Once Ray's restarts are used up, the
client relaunches the server as a new actor over the same parts
(``max_relaunches`` times; see :mod:`distgnn.sampler.relaunch`).
"""
import os
from typing import List, Optional, Sequence

import numpy as np

from distgnn.remote import is_actor

from .client import ShardClient
from .relaunch import ServerLauncher, kill_replacements

__all__ = ["launch_shard_servers", "shutdown_shard_servers", "split_parts", "SERVER_RESTARTS"]

#: restarts of a dead shard-server process before its calls fail with ActorDiedError
SERVER_RESTARTS = 3


def split_parts(num_parts: int, num_servers: int) -> List[List[int]]:
    """Contiguous, balanced groups of parts, one per server."""
    if num_servers < 1 or num_servers > num_parts:
        raise ValueError(f"num_servers must be in [1, num_parts={num_parts}], got {num_servers}")
    bounds = np.linspace(0, num_parts, num_servers + 1).round().astype(int)
    return [list(range(bounds[s], bounds[s + 1])) for s in range(num_servers)]


def launch_shard_servers(store_path: str, num_servers: Optional[int] = None, *, num_cpus: float = 0,
                         scheduling_strategy: str = "SPREAD", timeout: float = 120.0,
                         parts: Optional[Sequence[Sequence[int]]] = None,
                         max_restarts: int = SERVER_RESTARTS,
                         max_relaunches: int = SERVER_RESTARTS,
                         threads: Optional[int] = None,
                         wire_dtype: str = "float32") -> ShardClient:
    """Start shard-server actors over the store at ``store_path`` (Ray must be initialised).

    ``num_servers`` defaults to one per part; ``parts`` lists the parts of each
    server explicitly instead. ``timeout`` bounds every wait on an actor.
    A server whose process dies is restarted up to ``max_restarts`` times,
    each time resending the calls it had not answered; after that the client
    relaunches it up to ``max_relaunches`` times (``-1``: no limit). ``threads``:
    threads of a server's sampling kernels (default ``num_cpus``, at least 1: a
    server that reserves no CPU runs its kernels on one thread and the servers are
    the parallelism; measured on 2 cores, [15, 10] batches through 2 servers took
    55 ms with numba's default of one thread per core, 29 ms with one). ``wire_dtype``:
    how features travel to the client (``'float16'``: half the bytes; see
    :data:`~distgnn.traffic.WIRE_DTYPES`).
    """
    import ray
    from distgnn.partition import open_store

    if not ray.is_initialized():
        raise RuntimeError("expected an initialised Ray (call ray.init()), got none")
    path = os.path.abspath(os.fspath(store_path))
    k = open_store(path).num_parts
    groups = [list(map(int, g)) for g in parts] if parts is not None else split_parts(k, num_servers or k)
    held = sorted(p for g in groups for p in g)
    if held != list(range(k)):
        raise ValueError(f"parts must cover each of the {k} parts exactly once, got {groups}")
    if isinstance(max_restarts, bool) or not isinstance(max_restarts, int) or max_restarts < 0:
        raise ValueError(f"max_restarts must be an int >= 0, got {max_restarts!r}")
    threads = max(1, int(num_cpus)) if threads is None else threads
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an int >= 1, got {threads!r}")
    launcher = ServerLauncher(path, groups, dict(
        num_cpus=num_cpus, scheduling_strategy=scheduling_strategy, max_concurrency=1,
        max_restarts=max_restarts, max_task_retries=max_restarts,
        runtime_env={"env_vars": {"NUMBA_NUM_THREADS": str(threads)}}), max_relaunches)
    actors = [launcher.launch(s) for s in range(len(groups))]
    server_of_part = np.empty(k, np.int64)
    for s, g in enumerate(groups):
        server_of_part[g] = s
    return ShardClient(actors, server_of_part, timeout, launcher=launcher, wire_dtype=wire_dtype)


def shutdown_shard_servers(client: ShardClient) -> None:
    """Kill the actors behind ``client`` for good, relaunched ones too (in-process servers
    are left alone); its calls fail from now on."""
    import ray
    launcher = getattr(client, "launcher", None)
    if launcher is not None:
        launcher.enabled = False
    for server in client.servers:
        if is_actor(server):
            ray.kill(server, no_restart=True)
    if launcher is not None:
        kill_replacements(launcher.prefix)
