"""Bytes this process sends to and receives from the actors it calls, same-node and cross-node.

Every call through :class:`~distgnn.remote.Remote` to an actor counts the array
payload of its arguments (sent) and of its answer (received): numpy arrays and
torch tensors by their bytes, nested in tuples, lists and dicts; scalars and
strings count nothing. A call is cross-node when the actor's Ray node differs
from this process's (an actor that cannot say its node counts as cross-node).
The epoch driver turns the counts into bytes per step in every ``metrics.csv`` row,
with the dense gradient bytes a replica all-reduces per step (:func:`dense_gradient_bytes`).
"""
from __future__ import annotations

import threading
from typing import Any, Dict

__all__ = ["payload_bytes", "Traffic", "TRAFFIC", "per_step", "dense_gradient_bytes", "TRAFFIC_KEYS",
           "WIRE_DTYPES", "check_wire_dtype"]

#: how features and embedding rows may travel between actors and replicas; float16 halves the
#: bytes and rounds each value to 11 significant bits (relative error at most 2^-11, about 5e-4)
WIRE_DTYPES = ("float32", "float16")

#: the row keys :func:`per_step` gives
TRAFFIC_KEYS = ("sent_bytes_per_step", "recv_bytes_per_step", "cross_node_bytes_per_step")


def check_wire_dtype(value: str) -> str:
    """``value`` if it is one of :data:`WIRE_DTYPES`, else a ``ValueError`` naming them."""
    if value not in WIRE_DTYPES:
        raise ValueError(f"wire_dtype must be one of {', '.join(WIRE_DTYPES)}, got {value!r}")
    return value


def payload_bytes(obj: Any) -> int:
    """Bytes of the arrays in ``obj`` (numpy, torch, bytes; nested in tuples, lists, dicts)."""
    nbytes = getattr(obj, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    if hasattr(obj, "element_size") and hasattr(obj, "numel"):
        return int(obj.element_size() * obj.numel())
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return len(obj)
    if isinstance(obj, (tuple, list)):
        return sum(payload_bytes(v) for v in obj)
    if isinstance(obj, dict):
        return sum(payload_bytes(v) for v in obj.values())
    return 0


class Traffic:
    """Running byte counts by direction and by same-node / cross-node (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = {"sent_same": 0, "sent_cross": 0, "recv_same": 0, "recv_cross": 0}

    def add(self, direction: str, nbytes: int, cross: bool) -> None:
        if nbytes:
            with self._lock:
                self.counts[f"{direction}_{'cross' if cross else 'same'}"] += int(nbytes)

    def snapshot(self) -> Dict[str, int]:
        with self._lock:
            return dict(self.counts)


#: this process's counts
TRAFFIC = Traffic()


def per_step(since: Dict[str, int], steps: int, now: Dict[str, int] = None) -> Dict[str, float]:
    """Bytes per step between the snapshots ``since`` and ``now`` (default: the counts now)."""
    now = TRAFFIC.snapshot() if now is None else now
    d = {key: now[key] - since.get(key, 0) for key in now}
    n = max(int(steps), 1)
    return {"sent_bytes_per_step": (d["sent_same"] + d["sent_cross"]) / n,
            "recv_bytes_per_step": (d["recv_same"] + d["recv_cross"]) / n,
            "cross_node_bytes_per_step": (d["sent_cross"] + d["recv_cross"]) / n}


def dense_gradient_bytes(model) -> int:
    """Bytes of the gradients a replica all-reduces every step: its trainable parameters (the
    dense ones; sparse embedding rows go through the servers and are counted as calls)."""
    return int(sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad))
