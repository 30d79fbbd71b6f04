"""Calling an object that lives in this process or in a Ray actor, the same way.

A :class:`Remote` wraps either a plain object or a Ray actor handle under a name
("shard server 1", "embedding shard run/node2vec/0 (rows [0, 50))"). ``call``
issues a method call (remote calls run in parallel), :func:`wait` collects the
answers within a timeout. Every failure of a remote call is one of the
:class:`RemoteError` family and names the actor and the method:

* :class:`ActorDiedError` -- the actor's process is gone;
* :class:`RemoteTimeoutError` -- no answer within the timeout;
* :class:`RemoteCallError` -- the method raised (the actor's exception is the cause).

In-process calls run at once and raise the method's own exception unchanged.

    servers = [Remote(actor, f"shard server {i}", timeout_s=60) for i, actor in enumerate(actors)]
    counts = wait([s.call("count", ids) for s in servers])
"""
from __future__ import annotations

import time
from typing import Any, List, Optional, Sequence

from distgnn.traffic import TRAFFIC, payload_bytes

__all__ = ["Remote", "Pending", "wait", "is_actor", "RemoteError", "ActorDiedError",
           "RemoteTimeoutError", "RemoteCallError", "ShardLostError", "node_id", "spread_strategy"]


class RemoteError(RuntimeError):
    """A call to a remote actor failed; ``actor`` and ``method`` name it."""

    def __init__(self, message: str, actor: str = "", method: str = "") -> None:
        super().__init__(message)
        self.actor, self.method = actor, method


class ActorDiedError(RemoteError):
    """The actor's process died (killed, crashed, or its node went away)."""


class RemoteTimeoutError(RemoteError, TimeoutError):
    """The actor did not answer within the timeout."""


class RemoteCallError(RemoteError):
    """The remote method raised; the actor's exception is ``__cause__``."""


class ShardLostError(RemoteError):
    """A stateful actor restarted without its state (restore it from a checkpoint).

    Raised inside the actor; :func:`wait` re-raises it as it is.
    """


def node_id() -> str:
    """The Ray node this process runs on ("local" without Ray)."""
    import ray

    return ray.get_runtime_context().get_node_id() if ray.is_initialized() else "local"


def spread_strategy(index: int) -> Any:
    """The scheduling strategy of the ``index``-th server of a set spread over the nodes: a soft
    affinity to the ``index mod N``-th of the N alive nodes, in node-id order (a server Ray
    restarts after its node left may go elsewhere); plain SPREAD on one node. Soft pins are
    kept most of the time, not always (a node that joined moments ago may be passed over): a
    hard pin would leave a server Ray restarts after losing its node unschedulable.
    """
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = sorted(n["NodeID"] for n in ray.nodes() if n.get("Alive"))
    if len(nodes) <= 1:
        return "SPREAD"
    return NodeAffinitySchedulingStrategy(node_id=nodes[index % len(nodes)], soft=True)


def is_actor(target: Any) -> bool:
    """True for a Ray actor handle."""
    try:
        from ray.actor import ActorHandle
    except ImportError:  # pragma: no cover - Ray is a dependency
        return False
    return isinstance(target, ActorHandle)


class Pending:
    """One issued call: a Ray object ref, or the value of an in-process call."""

    __slots__ = ("remote", "method", "ref")

    def __init__(self, remote: "Remote", method: str, ref: Any) -> None:
        self.remote, self.method, self.ref = remote, method, ref


class Remote:
    """``target`` (an object or a Ray actor handle) called by method name.

    Args:
        target: the object, or a Ray actor handle of its class.
        name: what error messages call it.
        timeout_s: limit of each :func:`wait` on its calls (default: 120).
    """

    def __init__(self, target: Any, name: str, timeout_s: float = 120.0) -> None:
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0 seconds, got {timeout_s!r}")
        self.target, self.name, self.timeout_s = target, name, float(timeout_s)
        self.is_actor = is_actor(target)
        self._cross: Optional[bool] = None

    def __getstate__(self) -> dict:
        # whether the actor is on another node depends on the caller: a copy sent to another
        # process (a client handed to the replicas) asks again there
        return {**self.__dict__, "_cross": None}

    @property
    def cross_node(self) -> bool:
        """Whether the actor runs on another Ray node than this process (asked once, through its ``node``
        method; an actor without one counts as another node)."""
        if self._cross is None:
            try:
                there = wait([Pending(self, "node", self.target.node.remote())])[0]
            except (AttributeError, RemoteError):
                there = None
            self._cross = there != node_id()
        return self._cross

    def call(self, method: str, *args: Any) -> Pending:
        """Issue ``target.method(*args)``; remote calls return at once (their payload is counted in
        :data:`distgnn.traffic.TRAFFIC`)."""
        if self.is_actor:
            if method != "node":
                TRAFFIC.add("sent", payload_bytes(args), self.cross_node)
            return Pending(self, method, getattr(self.target, method).remote(*args))
        return Pending(self, method, getattr(self.target, method)(*args))

    def __call__(self, method: str, *args: Any) -> Any:
        """Call and wait: the method's return value."""
        return wait([self.call(method, *args)])[0]

    def __repr__(self) -> str:
        return f"Remote({self.name!r}, actor={self.is_actor})"


def wait(calls: Sequence[Pending], timeout_s: Optional[float] = None) -> List[Any]:
    """The answers of ``calls`` in order; the first failure raises a :class:`RemoteError`.

    ``timeout_s`` (default: each call's ``Remote.timeout_s``) bounds the whole wait.
    """
    out: List[Any] = []
    start = time.monotonic()
    for c in calls:
        if not c.remote.is_actor:
            out.append(c.ref)
            continue
        limit = c.remote.timeout_s if timeout_s is None else float(timeout_s)
        out.append(_get(c, max(limit - (time.monotonic() - start), 1e-3), limit))
        if c.method != "node":
            TRAFFIC.add("recv", payload_bytes(out[-1]), c.remote.cross_node)
    return out


def _get(c: Pending, left: float, limit: float) -> Any:
    import ray
    from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError

    what = f"{c.remote.name} in {c.method!r}"
    try:
        return ray.get(c.ref, timeout=left)
    except GetTimeoutError:
        raise RemoteTimeoutError(f"{c.remote.name} did not answer {c.method!r} within {limit:g} s; "
                                 "raise sync.remote_timeout_s if the calls are just slow",
                                 c.remote.name, c.method) from None
    except RayActorError as exc:
        raise ActorDiedError(f"{c.remote.name} died during {c.method!r}: {_first_line(exc)}",
                             c.remote.name, c.method) from exc
    except RayTaskError as exc:
        cause = exc.cause
        if isinstance(cause, RemoteError):
            raise cause from exc
        text = f"{type(cause).__name__}: {cause}" if cause is not None else _first_line(exc)
        raise RemoteCallError(f"{what} raised {text}", c.remote.name, c.method) from exc


def _first_line(exc: BaseException) -> str:
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    return lines[0].strip() if lines else type(exc).__name__
