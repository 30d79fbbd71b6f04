"""The trainer side of a sharded graph: routes requests to the owning servers.

A :class:`ShardClient` speaks to servers that are either in-process
:class:`~distgnn.sampler.server.ShardServer` objects or Ray actor handles of
the same class; requests for many nodes are split by owner, sent to all owners
at once, and the answers put back in request order. Every remote wait has a
timeout, and a failing server surfaces as one of :mod:`distgnn.remote`'s errors
(:class:`~distgnn.remote.ActorDiedError`, :class:`~distgnn.remote.RemoteTimeoutError`,
:class:`~distgnn.remote.RemoteCallError`) naming the server and the request.
A server that died for good is relaunched by the client's
:class:`~distgnn.sampler.relaunch.ServerLauncher`, when it has one, and the calls
sent again (the servers are stateless).
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from distgnn.remote import ActorDiedError, Remote, wait
from distgnn.traffic import check_wire_dtype

from .cluster import batch_offsets
from .neighbor import unpermute_segments
from .server import ShardServer

__all__ = ["ShardClient"]


class ShardClient:
    """Routes requests by global node id to ``servers``.

    ``server_of_part[p]`` is the index in ``servers`` of the server holding
    part ``p``. Use the constructors :meth:`from_data`, :meth:`from_store`, or
    :func:`distgnn.sampler.launch_shard_servers` for Ray actors.
    """

    def __init__(self, servers: Sequence[Any], server_of_part: Sequence[int],
                 timeout: float = 120.0, orig_ids: Optional[np.ndarray] = None,
                 launcher: Any = None, wire_dtype: str = "float32") -> None:
        if not servers:
            raise ValueError("expected at least one shard server, got none")
        self.wire_dtype = check_wire_dtype(wire_dtype)
        self.servers = list(servers)
        self.launcher = launcher  # relaunches a dead actor (see distgnn.sampler.relaunch)
        self._remotes = [Remote(s, f"shard server {i}", timeout) for i, s in enumerate(self.servers)]
        self.server_of_part = np.asarray(server_of_part, np.int64)
        self.timeout = float(timeout)
        self.orig_ids = orig_ids
        info = self._gather([(0, "info", ())])[0]
        self.node_ranges: np.ndarray = np.asarray(info["node_ranges"], np.int64)
        self.num_features: int = info["num_features"]
        self.has_y: bool = info["has_y"]
        self.mask_names: List[str] = info["masks"]
        if self.server_of_part.shape[0] != self.num_parts:
            raise ValueError(f"server_of_part must name a server for each of {self.num_parts} parts, "
                             f"got {self.server_of_part.shape[0]}")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_data(cls, data, assignment=None, timeout: float = 120.0) -> "ShardClient":
        """An in-process client over an in-memory graph (``x``, ``y``, ``*_mask``).

        With ``assignment`` (part of each node) the graph is split into parts
        numbered part after part, and ``orig_ids`` maps those ids back.
        """
        from .memory import arrays_from_data
        arrays, orig = arrays_from_data(data, assignment)
        return cls([ShardServer.from_arrays(arrays)], np.zeros(arrays.parts.shape[0], np.int64),
                   timeout, orig)

    @classmethod
    def from_store(cls, path: str, timeout: float = 120.0) -> "ShardClient":
        """An in-process client over a local partition store (all parts, opened lazily)."""
        from distgnn.partition import open_store
        k = open_store(path).num_parts
        return cls([ShardServer(str(path))], np.zeros(k, np.int64), timeout)

    # ------------------------------------------------------------------ basics
    @property
    def num_nodes(self) -> int:
        return int(self.node_ranges[-1])

    @property
    def num_parts(self) -> int:
        return int(self.node_ranges.shape[0] - 1)

    @property
    def remote(self) -> bool:
        return any(r.is_actor for r in self._remotes)

    def nodes(self) -> List[str]:
        """The Ray node of every server, in server order ("local" for one in this process)."""
        return [str(info["node"]) for info in self._gather([(i, "info", ()) for i in range(len(self.servers))])]

    def owner(self, ids: np.ndarray) -> np.ndarray:
        """Server index owning each global id."""
        return self.server_of_part[np.searchsorted(self.node_ranges, ids, side="right") - 1]

    def check_ids(self, ids: np.ndarray, name: str = "node ids") -> np.ndarray:
        ids = np.ascontiguousarray(np.asarray(ids), np.int64)
        if ids.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_nodes):
            raise ValueError(f"{name} must be in [0, {self.num_nodes}), got range [{ids.min()}, {ids.max()}]")
        return ids

    # ------------------------------------------------------------------ dispatch
    def _gather(self, calls: List[Tuple[int, str, tuple]]) -> List[Any]:
        """Issue all calls (remote ones in parallel), then wait for each; a server that died
        for good is relaunched (within the launcher's budget) and the calls sent again."""
        while True:
            pending = [self._remotes[i].call(m, *a) for i, m, a in calls]
            try:
                return wait(pending)
            except ActorDiedError as exc:
                if self.launcher is None:
                    raise
                self._replace(exc, {p.remote.name: p.remote for p in pending})

    def _replace(self, exc: ActorDiedError, called: Dict[str, Remote]) -> None:
        """Swap the server that raised ``exc`` for a relaunched one (unless done meanwhile)."""
        i = next((k for k, r in enumerate(self._remotes) if r.name == exc.actor), None)
        if i is None:
            raise exc
        if self._remotes[i] is not called.get(exc.actor):
            return  # another thread replaced it already
        self.servers[i] = self.launcher.relaunch(i, self.servers[i], exc)
        self._remotes[i] = Remote(self.servers[i], f"shard server {i}", self.timeout)

    def _split(self, ids: np.ndarray) -> Tuple[Optional[np.ndarray], List[Tuple[int, int, int]]]:
        """``(perm, [(server, lo, hi)])``: ids[perm][lo:hi] belong to server."""
        if len(self.servers) == 1:
            return None, [(0, 0, ids.shape[0])]
        own = self.owner(ids)
        perm = np.argsort(own, kind="stable")
        bounds = np.searchsorted(own[perm], np.arange(len(self.servers) + 1))
        return perm, [(s, int(bounds[s]), int(bounds[s + 1])) for s in range(len(self.servers))
                      if bounds[s + 1] > bounds[s]]

    @property
    def _narrow(self) -> bool:
        """Whether ids travel as int32 (remote servers, every id below 2^31): half the
        bytes, and a request under Ray's 100 KB inline limit skips the object store."""
        return self.remote and self.num_nodes < 2 ** 31

    def _wire(self, ids: np.ndarray) -> np.ndarray:
        return ids.astype(np.int32) if self._narrow else ids

    # ------------------------------------------------------------------ requests
    def sample(self, nodes: np.ndarray, fanout: int, replace: bool, seed: int, hop: int,
               edge_ids: bool = True) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
        """``(counts, nbr, e_id)`` in the order of ``nodes``, whoever owns them (``e_id``
        None unless ``edge_ids``: the servers then send none)."""
        perm, groups = self._split(nodes)
        narrow = self._narrow
        args = (fanout, replace, seed, hop, edge_ids, narrow)
        if perm is None:
            counts, nbr, eid = self._gather([(0, "sample", (self._wire(nodes), *args))])[0]
            return counts.astype(np.int64, copy=False), nbr.astype(np.int64, copy=False), eid
        sorted_nodes = self._wire(nodes[perm])
        res = self._gather([(s, "sample", (sorted_nodes[lo:hi], *args)) for s, lo, hi in groups])
        counts_sorted = np.concatenate([r[0] for r in res])
        counts, nbr = unpermute_segments(perm, counts_sorted, np.concatenate([r[1] for r in res]))
        eid = None
        if edge_ids:
            _, eid = unpermute_segments(perm, counts_sorted, np.concatenate([r[2] for r in res]))
        return counts, nbr, eid

    def _half(self, name: str) -> bool:
        return name == "x" and self.wire_dtype == "float16" and self.remote

    def wire_nbytes(self, name: str, nbytes: int) -> int:
        """Bytes that ``nbytes`` of float32 rows of ``name`` take on the way from the servers."""
        return nbytes // 2 if self._half(name) else nbytes

    def fetch(self, name: str, ids: np.ndarray) -> np.ndarray:
        """Rows of node data ``name`` ('x', 'y' or a mask) for global ``ids``; features from
        remote servers travel as ``wire_dtype`` and arrive as float32."""
        half = self._half(name)
        perm, groups = self._split(ids)
        if perm is None:
            rows = self._gather([(0, "fetch", (name, self._wire(ids), half))])[0]
            return rows.astype(np.float32) if half else rows
        sorted_ids = self._wire(ids[perm])
        res = self._gather([(s, "fetch", (name, sorted_ids[lo:hi], half)) for s, lo, hi in groups])
        out = np.empty((ids.shape[0],) + res[0].shape[1:], np.float32 if half else res[0].dtype)
        for (s, lo, hi), r in zip(groups, res):
            out[perm[lo:hi]] = r
        return out

    def where(self, mask: str) -> np.ndarray:
        """Sorted global ids whose ``mask`` is set."""
        res = self._gather([(s, "where", (mask,)) for s in range(len(self.servers))])
        return np.sort(np.concatenate(res))

    def cluster(self, parts: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(n_id, src, dst, e_id)``: the nodes of ``parts`` and every edge among them."""
        parts = np.asarray(parts, np.int64)
        offsets = batch_offsets(self.node_ranges, parts)
        servers = sorted(set(self.server_of_part[parts].tolist()))
        res = self._gather([(s, "cluster", (parts, offsets)) for s in servers])
        n_id = np.concatenate([np.arange(self.node_ranges[p], self.node_ranges[p + 1]) for p in parts])
        cat = [np.concatenate([r[k] for r in res]) for k in range(3)]
        return n_id.astype(np.int64), cat[0], cat[1], cat[2]

    def step(self, nodes: np.ndarray, u: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """One uniform walk step from each node (see :meth:`ShardServer.step`)."""
        perm, groups = self._split(nodes)
        if perm is None:
            return self._gather([(0, "step", (nodes, u))])[0]
        res = self._gather([(s, "step", (nodes[perm[lo:hi]], u[perm[lo:hi]])) for s, lo, hi in groups])
        nxt = np.empty(nodes.shape[0], np.int64)
        deg = np.empty(nodes.shape[0], np.int64)
        for (s, lo, hi), (a, b) in zip(groups, res):
            nxt[perm[lo:hi]], deg[perm[lo:hi]] = a, b
        return nxt, deg

    def has_edge(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Whether each edge ``src[i] -> dst[i]`` exists."""
        perm, groups = self._split(dst)
        if perm is None:
            return self._gather([(0, "has_edge", (src, dst))])[0]
        res = self._gather([(s, "has_edge", (src[perm[lo:hi]], dst[perm[lo:hi]])) for s, lo, hi in groups])
        out = np.empty(dst.shape[0], np.bool_)
        for (s, lo, hi), r in zip(groups, res):
            out[perm[lo:hi]] = r
        return out

    def walk_round(self, messages: Dict[int, dict]) -> Dict[int, dict]:
        """One walk round: ``messages[s]`` to server ``s``, all at once (see
        :mod:`distgnn.sampler.walk_rounds`); a server replaced meanwhile gets its message again."""
        servers = list(messages)
        replies = self._gather([(s, "walk_round", (messages[s],)) for s in servers])
        return dict(zip(servers, replies))
