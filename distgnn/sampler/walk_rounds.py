"""Walks run on the shard servers in rounds (pure logic; the transport is a callable).

Each round the driver sends every server one message: the walkers whose current
vertex it owns and the adjacency queries it must answer
(:mod:`distgnn.sampler.walk_messages`). A server advances its walkers as far as
they go inside its parts; walkers that step onto another server's vertex come
back and travel to that server in the next round's message; a walker whose
node2vec test needs a row held by no server it stands on waits one round for
the answer of the previous vertex's owner. A round's messages depend only on
the walkers' state, so a round sent again (a server died and was replaced)
gives the same replies and no step is written twice.
"""
from typing import Callable, Dict, Tuple

import numpy as np

from ._server_walk_kernels import FINISHED, MOVED, PENDING, walk_states
from .walk_messages import WALKER_FIELDS

__all__ = ["walk_rounds", "Exchange"]

#: ``exchange({server: message}) -> {server: reply}``
Exchange = Callable[[Dict[int, dict]], Dict[int, dict]]


def _write_trace(out: np.ndarray, wid: np.ndarray, step: np.ndarray, count: np.ndarray,
                 trace: np.ndarray) -> None:
    if trace.size == 0:
        return
    first = np.cumsum(count) - count
    within = np.arange(trace.shape[0]) - np.repeat(first, count)
    out[np.repeat(wid, count), np.repeat(step + 1, count) + within] = trace


def walk_rounds(exchange: Exchange, owner: Callable[[np.ndarray], np.ndarray], start: np.ndarray,
                walk_length: int, p: float, q: float, seed, walk_ids=None) -> Tuple[np.ndarray, dict]:
    """``(walks [len(start), walk_length + 1], stats)``: walk ``w`` starts at ``start[w]``
    and draws from the stream of ``(seed, w)``, as :func:`distgnn.sampler.random_walk`.
    ``seed`` and ``walk_ids`` may be arrays (one per walk): several batches walked at once,
    walk ``w`` drawing the stream of ``(seed[w], walk_ids[w])``.

    ``owner(ids)`` names the server of each vertex; ``stats`` counts ``rounds``,
    ``moves`` (walkers sent between servers) and ``queries``.
    """
    start = np.ascontiguousarray(start, np.int64)
    num = start.shape[0]
    out = np.empty((num, walk_length + 1), np.int64)
    out[:, 0] = start
    w = {name: np.zeros(num, dtype) for name, dtype in WALKER_FIELDS.items()}
    w["wid"] = np.arange(num, dtype=np.int64)
    w["cur"], w["prev"], w["qans"][:] = start.copy(), np.full(num, -1, np.int64), -1
    seeds = np.broadcast_to(np.asarray(seed, np.int64), (num,)).copy()
    ids = np.arange(num, dtype=np.int64) if walk_ids is None else np.ascontiguousarray(walk_ids, np.int64)
    w["state"] = walk_states(seeds, ids)
    ready = np.arange(num, dtype=np.int64) if walk_length > 0 else np.zeros(0, np.int64)
    asked = np.zeros(0, np.int64)  # walkers whose queries go out this round
    stats = {"rounds": 0, "moves": 0, "queries": 0}
    common = {"num_walks": num, "walk_length": walk_length, "inv_p": 1.0 / p, "inv_q": 1.0 / q}
    while ready.size or asked.size:
        walker_owner = owner(w["cur"][ready])
        query_owner = owner(w["prev"][asked])
        messages = {}
        for s in np.union1d(walker_owner, query_owner).tolist():
            mine, qs = ready[walker_owner == s], asked[query_owner == s]
            msg = {name: w[name][mine] for name in WALKER_FIELDS}
            msg.update(common, server=s, round=stats["rounds"], query_t=w["prev"][qs],
                       query_x=w["qx"][qs], _walkers=mine, _queries=qs)
            messages[s] = msg
        sent = {s: {k: v for k, v in m.items() if not k.startswith("_")} for s, m in messages.items()}
        replies = exchange(sent)
        nxt, waiting = [], []
        for s, msg in messages.items():
            r, mine = replies[s], msg["_walkers"]
            _write_trace(out, mine, w["step"][mine], r["count"], r["trace"])
            for name in ("cur", "prev", "step", "state", "qx", "qh"):
                w[name][mine] = r[name]
            w["qans"][mine] = -1
            w["qans"][msg["_queries"]] = r["answers"]
            nxt.append(mine[r["status"] == MOVED])
            waiting.append(mine[r["status"] == PENDING])
            nxt.append(msg["_queries"])
        stats["rounds"] += 1
        ready = np.concatenate(nxt) if nxt else np.zeros(0, np.int64)
        asked = np.concatenate(waiting) if waiting else np.zeros(0, np.int64)
        stats["moves"] += int(sum(x.size for x in nxt[::2]))
        stats["queries"] += int(asked.size)
    return out, stats
