"""What each replica keeps beside the shared model state: its random number generators
and what its loop counted so far.

Replicas share the model and the optimizer (gradients are all-reduced), but each
draws its own dropout masks and other random numbers, and sums its own share of
an epoch's loss. A checkpoint therefore holds, under :data:`REPLICAS_KEY`, one
entry per rank (written by rank 0 after gathering them), and a resumed replica
restores its own: the torch generators (CPU, and CUDA when in use), numpy's
global one and Python's ``random``, so a resumed run draws exactly what the
uninterrupted one would have; and the job's own per-replica values (the sums of
an epoch stopped mid-way), handed back as ``state["replica"]``.

Entries are plain data (tensors, numbers, lists), readable with
``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import logging
import random
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import torch

__all__ = ["REPLICAS_KEY", "capture_replica_state", "restore_replica_state",
           "with_replica_states", "pop_replica_state"]

#: the key of the per-rank list in a checkpoint's state
REPLICAS_KEY = "__replicas__"

_log = logging.getLogger(__name__)


def capture_replica_state(job: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """This process's random number generators and ``job`` (plain data) as one entry."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss = random.getstate()
    state: Dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {"kind": str(kind), "keys": torch.from_numpy(np.asarray(keys, np.int64)),
                  "pos": int(pos), "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": int(version), "internal": list(internal), "gauss": gauss},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return {"rng": state, "job": dict(job or {})}


def restore_replica_state(state: Mapping[str, Any]) -> None:
    """Set this process's generators to ``state`` (the ``rng`` of :func:`capture_replica_state`)."""
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"],
                         n["has_gauss"], n["cached_gaussian"]))
    p = state["python"]
    random.setstate((p["version"], tuple(p["internal"]), p["gauss"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def with_replica_states(state: Mapping[str, Any], states: List[Dict[str, Any]]) -> Dict[str, Any]:
    """``state`` plus every rank's entry (``states[rank]``), as a checkpoint holds them."""
    if REPLICAS_KEY in state:
        raise ValueError(f"checkpoint state may not use the key {REPLICAS_KEY!r}, "
                         "distgnn keeps each replica's random state there")
    return {**state, REPLICAS_KEY: list(states)}


def pop_replica_state(state: Optional[Dict[str, Any]], rank: int, world_size: int) -> None:
    """Take the per-rank entries out of a loaded ``state``, restore rank ``rank``'s generators
    and put its job values under ``state["replica"]`` (``{}`` when there are none).

    A checkpoint written by another number of replicas restores none (with a
    warning): the run goes on, but draws other random numbers than before.
    """
    if state is None:
        return
    states = state.pop(REPLICAS_KEY, None)
    state["replica"] = {}
    if states is None:
        return
    if len(states) != world_size:
        _log.warning("checkpoint written by %d replica(s), resumed on %d: the replicas' random "
                     "states are not restored (the run is not an exact continuation)",
                     len(states), world_size)
        return
    restore_replica_state(states[rank]["rng"])
    state["replica"] = dict(states[rank]["job"])
