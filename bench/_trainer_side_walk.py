"""The trainer-side walk over a :class:`ShardClient`, one step at a time for all walkers (the baseline of bench/node2vec_scale.py).

Each step asks the owners of the walkers' current nodes for a uniform
proposal; node2vec walks accept or reject it by the same dart board as the
in-memory kernel (:mod:`distgnn.sampler._walk_kernels`), asking the owner of
the previous node whether the proposal neighbours it. Walkers move along
stored in-edges (``x -> v`` lets a walker at ``v`` move to ``x``), which on an
undirected graph are all edges.
"""
import numpy as np

from distgnn.sampler import ShardClient

__all__ = ["client_walks"]


def _node2vec_step(client: ShardClient, cur, prev, rng, inv_p: float, inv_q: float) -> np.ndarray:
    big, low = max(1.0, inv_q), min(1.0, inv_q)
    extra, ret = max(0.0, inv_p - big), min(inv_p, big)
    nxt = cur.copy()
    todo = np.arange(cur.shape[0])
    while todo.size:
        v, t = cur[todo], prev[todo]
        x, deg = client.step(v, rng.random(todo.size))
        u_extra, h = rng.random(todo.size), rng.random(todo.size) * big
        area = deg * big + extra
        first = t < 0
        to_t = ~first & (deg > 0) & (u_extra * area >= deg * big)
        ok = (deg == 0) | first | ((x == t) & (h < ret)) | ((x != t) & (h < low))
        check = ~ok & ~to_t & (x != t)
        if check.any():
            adj = client.has_edge(x[check], t[check])
            w = np.where(adj, 1.0, inv_q)
            ok[np.flatnonzero(check)] = h[check] < w
        x = np.where(to_t, t, np.where(deg == 0, v, x))
        done = ok | to_t
        nxt[todo[done]] = x[done]
        todo = todo[~done]
    return nxt


def client_walks(client: ShardClient, start: np.ndarray, walk_length: int, p: float, q: float,
                 seed: int) -> np.ndarray:
    """Walks ``[len(start), walk_length + 1]`` over the sharded graph (same
    law as :func:`distgnn.sampler.random_walk`, not the same draws)."""
    rng = np.random.default_rng(seed)
    out = np.empty((start.shape[0], walk_length + 1), np.int64)
    out[:, 0] = cur = start
    prev = np.full(start.shape[0], -1, np.int64)
    for s in range(1, walk_length + 1):
        if p == 1.0 and q == 1.0:
            x, deg = client.step(cur, rng.random(cur.shape[0]))
            nxt = np.where(deg > 0, x, cur)
        else:
            nxt = _node2vec_step(client, cur, prev, rng, 1.0 / p, 1.0 / q)
        prev = cur
        out[:, s] = cur = nxt
    return out
