"""One walk round on one shard server: check the message, run the kernel (no Ray here).

A message (a dict of arrays, built by :mod:`distgnn.sampler.walk_rounds`) carries
the walkers the server now owns and the adjacency queries it must answer:

* ``server``, ``round``, ``num_walks``, ``walk_length``, ``inv_p``, ``inv_q``;
* walkers: ``wid``, ``step``, ``cur``, ``prev``, ``state``, ``qx``, ``qh``, ``qans``;
* queries: ``query_t``, ``query_x`` (is ``query_x[i]`` a neighbour of ``query_t[i]``).

The reply holds the walkers' new ``cur``, ``prev``, ``step``, ``state``, ``qx``,
``qh`` in the order sent, their ``status`` and ``count``, the visited vertices
``trace`` (walker after walker) and ``answers`` (int8, one per query).
"""
from typing import Dict

import numpy as np

from ._server_walk_kernels import advance_walkers, answer_queries
from .shard_arrays import ShardArrays

__all__ = ["run_walk_round", "WALKER_FIELDS"]

#: the per-walker arrays of a message, and their dtypes
WALKER_FIELDS = {"wid": np.int64, "step": np.int64, "cur": np.int64, "prev": np.int64,
                 "state": np.uint64, "qx": np.int64, "qh": np.float64, "qans": np.int8}


def _held(a: ShardArrays, ids: np.ndarray) -> np.ndarray:
    p = np.searchsorted(a.node_ranges, ids, side="right") - 1
    index = np.full(a.node_ranges.shape[0] - 1, -1, np.int64)
    index[a.parts] = np.arange(a.parts.shape[0])
    return index[p] >= 0


def _check_range(where: str, name: str, ids: np.ndarray, lo: int, hi: int) -> None:
    if ids.size and (ids.min() < lo or ids.max() >= hi):
        bad = ids[(ids < lo) | (ids >= hi)][0]
        raise ValueError(f"{where}: {name} must be in [{lo}, {hi}), got {int(bad)}")


def _check(a: ShardArrays, msg: Dict, where: str) -> None:
    n = int(a.node_ranges[-1])
    w = msg["wid"]
    _check_range(where, "walker ids", w, 0, int(msg["num_walks"]))
    _check_range(where, "walker steps", msg["step"], 0, int(msg["walk_length"]))
    _check_range(where, "current vertex ids", msg["cur"], 0, n)
    _check_range(where, "previous vertex ids", msg["prev"], -1, n)
    _check_range(where, "query vertex ids", msg["query_t"], 0, n)
    _check_range(where, "query vertex ids", msg["query_x"], 0, n)
    for name in ("cur", "query_t"):
        held = _held(a, msg[name])
        if not held.all():
            raise ValueError(f"{where}: {name} {int(msg[name][~held][0])} is not held here "
                             f"(parts {a.parts.tolist()})")


def run_walk_round(a: ShardArrays, part_index: np.ndarray, msg: Dict) -> Dict:
    """Answer ``msg``'s queries and advance its walkers (see the module docstring)."""
    where = f"shard server {msg.get('server', '?')} (parts {a.parts.tolist()}), walk round {msg.get('round', '?')}"
    msg = dict(msg)
    for name, dtype in WALKER_FIELDS.items():
        msg[name] = np.array(msg[name], dtype)  # a writable copy: the kernel updates it
    for name in ("query_t", "query_x"):
        msg[name] = np.ascontiguousarray(msg[name], np.int64)
    _check(a, msg, where)
    geo = (a.rowptr, a.col, a.node_ranges, part_index, a.row_base)
    answers = answer_queries(*geo, msg["query_t"], msg["query_x"])
    status, count, trace = advance_walkers(
        *geo, np.int64(msg["walk_length"]), float(msg["inv_p"]), float(msg["inv_q"]),
        msg["cur"], msg["prev"], msg["step"], msg["state"], msg["qx"], msg["qh"], msg["qans"])
    flat = trace[np.arange(trace.shape[1]) < count[:, None]]
    return {"cur": msg["cur"], "prev": msg["prev"], "step": msg["step"], "state": msg["state"],
            "qx": msg["qx"], "qh": msg["qh"], "status": status, "count": count, "trace": flat,
            "answers": answers}
