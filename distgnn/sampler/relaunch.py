"""Relaunching a shard server whose process Ray will not restart any more.

A shard server holds no state of its own: it serves memory-mapped parts of a
store, reopened on its first request. Ray restarts a killed server process
``max_restarts`` times; after that the actor is dead for good. A
:class:`ServerLauncher` (kept by the :class:`~distgnn.sampler.ShardClient`)
then starts a fresh actor over the same store and parts, at most
``max_relaunches`` times per client (``-1``: no limit; the jobs pass
``run.max_failures``), and past that budget raises one
:class:`~distgnn.remote.ActorDiedError` line naming the server, its parts and
what to do.

Replacements are named ``<run>/<server>.<generation>`` in
:data:`SERVER_NAMESPACE`, so the replicas that find the same server dead share
one replacement (``get_if_exists``); they are detached (a replacement started
by one replica serves the others after it ends) and
:func:`~distgnn.sampler.shutdown_shard_servers` removes them by name.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any, Dict, List, Optional, Sequence

from distgnn.remote import ActorDiedError, spread_strategy

__all__ = ["ServerLauncher", "SERVER_NAMESPACE", "kill_replacements"]

#: the Ray namespace of relaunched shard servers
SERVER_NAMESPACE = "distgnn_shard_servers"


class ServerLauncher:
    """Starts shard-server actors over ``store_path``: ``groups[i]`` are server ``i``'s parts.

    ``options`` are the actor options of the first launch (CPUs, scheduling,
    restarts); ``max_relaunches`` bounds :meth:`relaunch` (``-1``: no limit).
    """

    def __init__(self, store_path: str, groups: Sequence[Sequence[int]], options: Dict[str, Any],
                 max_relaunches: int = 3) -> None:
        if isinstance(max_relaunches, bool) or not isinstance(max_relaunches, int) \
                or max_relaunches < -1:
            raise ValueError(f"max_relaunches must be an int >= -1 (-1: no limit), "
                             f"got {max_relaunches!r}")
        self.store_path = store_path
        self.groups = [list(map(int, g)) for g in groups]
        self.options = dict(options)
        self.max_relaunches = max_relaunches
        self.prefix = f"shards-{uuid.uuid4().hex[:12]}"
        self.generation = [0] * len(self.groups)
        self.relaunches = 0
        self.enabled = True
        self._lock = threading.Lock()

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def launch(self, server: int, name: Optional[str] = None):
        """A new actor serving ``groups[server]`` (named ``name`` when given)."""
        import ray
        from .server import ShardServer

        opts = dict(self.options)
        if opts.get("scheduling_strategy") == "SPREAD":  # one server per node
            opts["scheduling_strategy"] = spread_strategy(server)
        if name is not None:
            opts.update(name=name, namespace=SERVER_NAMESPACE, lifetime="detached",
                        get_if_exists=True)
        return ray.remote(ShardServer).options(**opts).remote(self.store_path,
                                                              self.groups[server])

    def relaunch(self, server: int, dead, cause: BaseException):
        """A live replacement for server ``server`` whose actor ``dead`` died for good;
        raises :class:`ActorDiedError` (one line: what died, what to do) past the budget."""
        import ray

        with self._lock:
            if not self.enabled:  # shut down on purpose: the calls fail as they are
                raise cause
            if self.max_relaunches != -1 and self.relaunches >= self.max_relaunches:
                raise self._no_more(server, cause) from cause
            self.relaunches += 1
            self.generation[server] += 1
            try:
                ray.kill(dead, no_restart=True)  # not left serving beside its replacement
            except Exception:  # noqa: BLE001 - already gone
                pass
            name = f"{self.prefix}/{server}.{self.generation[server]}"
            return self.launch(server, name)

    def _no_more(self, server: int, cause: BaseException) -> ActorDiedError:
        restarts = self.options.get("max_restarts", 0)
        why = (f"Ray's {restarts} restart(s) and {self.relaunches} relaunch(es) "
               f"(limit {self.max_relaunches}, run.max_failures) are used up")
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return ActorDiedError(
            f"shard server {server} (parts {self.groups[server]} of {self.store_path}) died and "
            f"is not relaunched: {why} ({first}); look for the cause in its log (`ray logs`; "
            f"out of memory, a lost node), then continue the run with --resume, or raise "
            f"run.max_failures", f"shard server {server}", getattr(cause, "method", ""))


def kill_replacements(prefix: str) -> List[str]:
    """Kill every relaunched server whose name starts with ``prefix``; returns their names."""
    import ray

    killed = []
    for entry in ray.util.list_named_actors(all_namespaces=True):
        name = entry.get("name", "")
        if entry.get("namespace") == SERVER_NAMESPACE and name.startswith(prefix + "/"):
            try:
                ray.kill(ray.get_actor(name, namespace=SERVER_NAMESPACE), no_restart=True)
                killed.append(name)
            except ValueError:  # gone meanwhile
                pass
    return killed
