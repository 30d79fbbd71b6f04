"""Waiting on Ray calls: every wait has a timeout and names what it waits for."""
from typing import Any, List, Sequence, Union

from .errors import ActorDiedError, RemoteTimeoutError, ShardLostError

__all__ = ["get"]


def get(refs: Union[Any, Sequence[Any]], timeout_s: float, what: Union[str, Sequence[str]]):
    """``ray.get(refs)`` that raises a named error instead of hanging.

    ``what`` names the remote actor(s) (one name, or one per ref). A dead
    actor raises :class:`ActorDiedError`, a late one :class:`RemoteTimeoutError`.
    """
    import ray
    from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError

    single = not isinstance(refs, (list, tuple))
    ref_list: List[Any] = [refs] if single else list(refs)
    names = [what] * len(ref_list) if isinstance(what, str) else list(what)
    try:
        out = ray.get(ref_list, timeout=timeout_s)
    except GetTimeoutError:
        late = _pending(ref_list, names)
        raise RemoteTimeoutError(f"no answer within {timeout_s:g} s from {', '.join(late)}; "
                                 "raise sync.remote_timeout_s if the calls are just slow") from None
    except RayActorError as e:
        dead = _failed(ref_list, names)
        raise ActorDiedError(f"remote actor {', '.join(dead)} died: {e}") from e
    except RayTaskError as e:
        if isinstance(e.cause, ShardLostError):
            raise e.cause from e
        raise
    return out[0] if single else out


def _pending(refs, names) -> List[str]:
    import ray
    ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
    ready = set(ready)
    return [n for r, n in zip(refs, names) if r not in ready] or list(dict.fromkeys(names))


def _failed(refs, names) -> List[str]:
    import ray
    from ray.exceptions import RayActorError
    dead = []
    ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
    for r, n in zip(refs, names):
        if r in ready:
            try:
                ray.get(r, timeout=0)
            except RayActorError:
                dead.append(n)
            except Exception:  # noqa: BLE001 - only actor deaths are reported here
                pass
    return list(dict.fromkeys(dead or names))
