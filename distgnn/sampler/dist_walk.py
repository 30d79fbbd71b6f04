"""Random walks over a :class:`ShardClient`, run on the shard servers in rounds.

See :mod:`distgnn.sampler.walk_rounds`: the servers advance the walkers whose
current vertex they hold, walkers travel between servers once per round, and
node2vec's adjacency tests are answered where a row is held. Walkers move along
stored in-edges (``x -> v`` lets a walker at ``v`` move to ``x``); the node2vec
test reads either end's row, so the graph must be undirected.
"""
import numpy as np

from .client import ShardClient
from .walk_rounds import walk_rounds

__all__ = ["client_walks"]


def client_walks(client: ShardClient, start: np.ndarray, walk_length: int, p: float, q: float,
                 seed: int) -> np.ndarray:
    """Walks ``[len(start), walk_length + 1]`` over the sharded graph: the walks
    :func:`distgnn.sampler.random_walk` draws from the same CSR with the same seed."""
    out, _ = walk_rounds(client.walk_round, client.owner, start, walk_length, p, q, seed)
    return out
