"""Loaders: the same classes over an in-memory graph, a local store or Ray shard servers.

Each loader turns a source into a :class:`ShardClient` (``Data`` -> in
memory, a store path -> in-process servers, a client from
:func:`~distgnn.sampler.launch_shard_servers` -> Ray actors) and prefetches
batches on a background thread (``prefetch`` batches ahead), so sampling and
fetching overlap training. Epochs differ (shuffle, draws) but are reproducible
from ``seed``.
"""
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List, Optional, Sequence

import numpy as np
import torch

from .batch import ClusterBatch, NeighborBatch, WalkBatch
from .blocks import sample_blocks
from .client import ShardClient
from .cluster import cluster_groups
from .csr import out_csr
from .walk_rounds import walk_rounds
from .prefetch import Prefetcher
from .walks import random_walk, skipgram_samples

__all__ = ["NeighborLoader", "ClusterLoader", "RandomWalkLoader", "EpochLoader", "ClusterShares",
           "as_client"]


def as_client(source, timeout: float = 120.0) -> ShardClient:
    """A :class:`ShardClient` for a ``ShardClient``, a store path or an in-memory ``Data``."""
    if isinstance(source, ShardClient):
        return source
    if isinstance(source, (str, os.PathLike)):
        return ShardClient.from_store(os.fspath(source), timeout)
    if hasattr(source, "edge_index"):
        return ShardClient.from_data(source, timeout=timeout)
    raise TypeError(f"expected a Data, a partition store path or a ShardClient, got {type(source).__name__}")


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _base_seed(seed: Optional[int]) -> int:
    if seed is None:
        return int(np.random.default_rng().integers(0, 2**62))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    return int(seed)


class EpochLoader:
    """Epoch bookkeeping and prefetching shared by the loaders: epoch ``e``'s tasks and
    their seeds come from ``default_rng([seed, e])``; a subclass gives ``_tasks`` and
    ``_make``."""

    def __init__(self, seed: Optional[int], prefetch: int, kernel_threads: Optional[int] = None) -> None:
        self.seed = _base_seed(seed)
        self.prefetch = _check_positive_int("prefetch", prefetch)
        self.kernel_threads = None if kernel_threads is None else \
            _check_positive_int("kernel_threads", kernel_threads)
        self.epoch = 0
        self._active: Optional[Prefetcher] = None

    def _tasks(self, rng: np.random.Generator) -> List:
        raise NotImplementedError

    def _make(self, task):
        raise NotImplementedError

    def _prepare(self, tasks: List) -> List:
        """The epoch's tasks as :meth:`_make` gets them (default: as they are)."""
        return tasks

    def __iter__(self) -> Iterator:
        self.close()
        rng = np.random.default_rng([self.seed, self.epoch])
        tasks = self._prepare([(i, int(rng.integers(0, 2**62)), t)
                               for i, t in enumerate(self._tasks(rng))])
        self.epoch += 1
        self._active = Prefetcher(self._make, tasks, self.prefetch, self.kernel_threads)
        return self._active

    def close(self) -> None:
        """Stop prefetching for the current epoch."""
        if self._active is not None:
            self._active.close()
            self._active = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _node_set(client: ShardClient, input_nodes, name: str = "input_nodes") -> np.ndarray:
    if input_nodes is None:
        return np.arange(client.num_nodes, dtype=np.int64)
    if isinstance(input_nodes, str):
        if input_nodes not in client.mask_names:
            raise ValueError(f"{name} names a mask; expected one of {client.mask_names}, got {input_nodes!r}")
        return client.where(input_nodes)
    t = torch.as_tensor(input_nodes)
    if t.dtype == torch.bool:
        if t.shape != (client.num_nodes,):
            raise ValueError(f"a boolean {name} must have shape ({client.num_nodes},), got {tuple(t.shape)}")
        return torch.nonzero(t).view(-1).numpy().astype(np.int64)
    if t.dtype.is_floating_point:
        raise TypeError(f"{name} must be node ids, a boolean mask or a mask name, got dtype {t.dtype}")
    ids = client.check_ids(t.numpy(), name)
    if np.unique(ids).shape[0] != ids.shape[0]:
        raise ValueError(f"{name} must be distinct node ids, got duplicates")
    return ids


def _batches(nodes: np.ndarray, batch_size: int, shuffle: bool, drop_last: bool,
             rng: np.random.Generator) -> List[np.ndarray]:
    order = nodes[rng.permutation(nodes.shape[0])] if shuffle else nodes
    stop = order.shape[0] - (order.shape[0] % batch_size if drop_last else 0)
    return [order[i:i + batch_size] for i in range(0, stop, batch_size)]


class NeighborLoader(EpochLoader):
    """Mini-batches of seed nodes with their sampled multi-hop neighbourhood.

    ``num_neighbors[l]`` in-neighbours are drawn per node at hop ``l`` (-1:
    all), uniformly without replacement unless ``replace``. ``input_nodes``:
    ids, a boolean mask, a mask name (e.g. ``"train_mask"``) or None (all).
    Yields :class:`NeighborBatch` (``x`` of ``n_id`` and ``y`` of the seeds
    when the graph has them). Over a store, ids are the store's numbering.
    ``feature_cache`` (a :class:`~distgnn.sampler.feature_cache.FeatureCache`
    over the same client) serves ``x``, ``label_cache`` (one of ``"y"``) the
    seeds' labels; ``timings`` holds the seconds spent sampling and fetching and
    the bytes of ``x`` fetched from the servers (``x_bytes``; cache hits excluded)
    since it was last cleared. ``pin_memory`` puts each batch's tensors in
    page-locked memory on the prefetch thread (for non-blocking copies to a GPU).
    ``edge_ids=False`` leaves the blocks' ``e_id`` None: the servers then neither
    gather nor send edge ids (a model that does not use them, such as GraphSAGE).
    ``kernel_threads`` caps the numba threads of the sampling kernels that run on
    the prefetch thread (in-process sources), leaving the other cores to training.
    """

    def __init__(self, data, num_neighbors: Sequence[int], batch_size: int = 1, input_nodes=None,
                 shuffle: bool = False, replace: bool = False, drop_last: bool = False,
                 seed: Optional[int] = None, prefetch: int = 2, fetch_features: bool = True,
                 timeout: float = 120.0, feature_cache=None, label_cache=None,
                 pin_memory: bool = False, edge_ids: bool = True,
                 kernel_threads: Optional[int] = None) -> None:
        super().__init__(seed, prefetch, kernel_threads)
        self.client = as_client(data, timeout)
        if not isinstance(num_neighbors, (list, tuple)) or not num_neighbors or any(
                isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < -1 for k in num_neighbors):
            raise ValueError(f"num_neighbors must be a non-empty list of ints >= -1, got {num_neighbors!r}")
        self.num_neighbors = [int(k) for k in num_neighbors]
        self.batch_size = _check_positive_int("batch_size", batch_size)
        self.nodes = _node_set(self.client, input_nodes)
        self.shuffle, self.replace, self.drop_last = bool(shuffle), bool(replace), bool(drop_last)
        self.fetch_features = fetch_features
        self.feature_cache, self.label_cache = feature_cache, label_cache
        self.pin_memory, self.edge_ids = bool(pin_memory), bool(edge_ids)
        self.timings = {"sample_s": 0.0, "fetch_s": 0.0, "x_bytes": 0.0}
        self._slot = np.full(self.client.num_nodes, -1, np.int64)

    def __len__(self) -> int:
        n, b = self.nodes.shape[0], self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def _tasks(self, rng):
        return _batches(self.nodes, self.batch_size, self.shuffle, self.drop_last, rng)

    def sample(self, seeds, seed: int = 0) -> NeighborBatch:
        """Sample one batch around ``seeds`` (distinct ids) synchronously."""
        slot = np.full(self.client.num_nodes, -1, np.int64)
        return self._make((0, seed, _node_set(self.client, seeds, "seeds")), slot)

    def _make(self, task, slot: Optional[np.ndarray] = None) -> NeighborBatch:
        _, seed, seeds = task
        slot = self._slot if slot is None else slot
        t0 = time.perf_counter()
        n_id, blocks = sample_blocks(self.client, seeds, self.num_neighbors, self.replace, seed, slot,
                                     self.edge_ids)
        t1 = time.perf_counter()
        x = y = None
        if self.fetch_features and self.client.num_features:
            cache = self.feature_cache
            if cache is None:
                rows = self.client.fetch("x", n_id)
                self.timings["x_bytes"] += self.client.wire_nbytes("x", rows.nbytes)
            else:
                rows, misses = cache.fetch_counted(n_id)
                self.timings["x_bytes"] += self.client.wire_nbytes("x", misses * cache.row_bytes)
            x = torch.from_numpy(rows)
        if self.fetch_features and self.client.has_y:
            labels = self.label_cache.fetch(seeds) if self.label_cache is not None \
                else self.client.fetch("y", seeds)
            y = torch.from_numpy(labels)
        self.timings["sample_s"] += t1 - t0
        self.timings["fetch_s"] += time.perf_counter() - t1
        if self.pin_memory:
            x, y = (None if t is None else t.pin_memory() for t in (x, y))
            blocks = [b._replace(edge_index=b.edge_index.pin_memory()) for b in blocks]
        return NeighborBatch(int(seeds.shape[0]), torch.from_numpy(n_id), blocks, x, y)


class ClusterShares:
    """Replica ``rank``'s share of each epoch's groups of parts (a mixin of the cluster
    loaders; needs ``num_parts``, ``num_parts_per_batch``, ``shuffle``, ``rank``,
    ``world_size``): every ``world_size``-th group, so with the same seed the replicas'
    shares are disjoint and cover every part."""

    def _check_share(self, num_parts_per_batch: int, shuffle: bool, rank: int,
                     world_size: int) -> None:
        self.num_parts_per_batch = _check_positive_int("num_parts_per_batch", num_parts_per_batch)
        self.shuffle = bool(shuffle)
        self.world_size = _check_positive_int("world_size", world_size)
        if not 0 <= rank < self.world_size:
            raise ValueError(f"{type(self).__name__}: rank must be in [0, world_size="
                             f"{world_size}), got {rank}")
        self.rank = int(rank)

    @property
    def num_groups(self) -> int:
        """Groups of parts per epoch, over all replicas."""
        return -(-self.num_parts // self.num_parts_per_batch)

    @property
    def steps_per_epoch(self) -> int:
        """The largest replica's share of the groups (rank 0's)."""
        return -(-self.num_groups // self.world_size)

    def __len__(self) -> int:
        return len(range(self.rank, self.num_groups, self.world_size))

    def _tasks(self, rng):
        groups = cluster_groups(self.num_parts, self.num_parts_per_batch, self.shuffle, rng)
        if self.world_size == 1:
            return groups
        return list(groups)[self.rank::self.world_size]


class ClusterLoader(ClusterShares, EpochLoader):
    """Cluster-GCN batches: ``num_parts_per_batch`` random parts per batch with
    every edge among them (intra- and inter-part) restored.

    ``source`` is a partition store path or a client over one; for an
    in-memory graph use :meth:`from_data`. Yields :class:`ClusterBatch`.

    With ``world_size > 1`` the loader yields replica ``rank``'s share of each
    epoch's groups: every ``world_size``-th group, so with the same ``seed`` the
    replicas' shares are disjoint and together cover every part. Shares differ by
    at most one group; :attr:`steps_per_epoch` is the largest share, for jobs
    that keep replicas in step (e.g. padding with empty steps).
    """

    def __init__(self, source, num_parts_per_batch: int = 1, shuffle: bool = True,
                 seed: Optional[int] = None, prefetch: int = 2, timeout: float = 120.0,
                 rank: int = 0, world_size: int = 1) -> None:
        EpochLoader.__init__(self, seed, prefetch)
        self.client = as_client(source, timeout)
        self._check_share(num_parts_per_batch, shuffle, rank, world_size)

    @classmethod
    def from_data(cls, data, num_parts: int, num_parts_per_batch: int = 1, method: str = "metis",
                  partition_seed: int = 0, **kwargs) -> "ClusterLoader":
        """Partition an in-memory graph into ``num_parts`` and load clusters of it;
        batches carry ``n_id`` in the graph's own numbering."""
        from distgnn.partition import partition_graph
        assignment = partition_graph(data.edge_index, data.num_nodes, num_parts, method=method,
                                     seed=partition_seed)
        return cls(ShardClient.from_data(data, assignment), num_parts_per_batch, **kwargs)

    @property
    def num_parts(self) -> int:
        return self.client.num_parts

    def _make(self, task) -> ClusterBatch:
        parts = task[2]
        n_id, src, dst, eid = self.client.cluster(parts)
        c = self.client
        batch = ClusterBatch(edge_index=torch.from_numpy(np.stack([src, dst])), e_id=torch.from_numpy(eid),
                             num_nodes=int(n_id.shape[0]), parts=torch.from_numpy(parts))
        if c.num_features:
            batch.x = torch.from_numpy(c.fetch("x", n_id))
        if c.has_y:
            batch.y = torch.from_numpy(c.fetch("y", n_id))
        for m in c.mask_names:
            batch[m] = torch.from_numpy(c.fetch(m, n_id))
        batch.n_id = torch.from_numpy(n_id if c.orig_ids is None else c.orig_ids[n_id])
        return batch


class RandomWalkLoader(EpochLoader):
    """Skip-gram batches for Node2Vec: ``walks_per_node`` walks of
    ``walk_length`` steps from each of ``batch_size`` start nodes, cut into
    windows of ``context_size``, with ``num_negative_samples`` negative walks
    per walk. Yields :class:`WalkBatch` (``pos_rw, neg_rw``).

    On an in-memory graph walks follow ``edge_index`` (source -> target) with
    the numba kernels; over a store or shard servers the servers walk them in
    rounds along stored in-edges (:mod:`distgnn.sampler.walk_rounds`; undirected
    graphs), the same walks as in memory for the same seed and numbering.
    Over shard servers ``walk_group`` walkers (default 131072) are walked together:
    consecutive batches share the servers' rounds (fewer, fuller messages), each
    batch's walks the same as alone. The next group walks (on its own thread, the
    servers doing the work) while the batches of the current one are consumed;
    no more than two groups are held.
    ``windows=False`` leaves the windows out (``pos_rw``/``neg_rw`` empty, ``walks``
    alone) for trainers that cut their own pairs from the walks.
    """

    def __init__(self, source, walk_length: int, context_size: int, walks_per_node: int = 1,
                 num_negative_samples: int = 1, p: float = 1.0, q: float = 1.0, batch_size: int = 128,
                 start_nodes=None, shuffle: bool = True, seed: Optional[int] = None, prefetch: int = 2,
                 timeout: float = 120.0, windows: bool = True, walk_group: int = 131072) -> None:
        super().__init__(seed, prefetch)
        self.walk_group = _check_positive_int("walk_group", walk_group)
        self.windows = bool(windows)
        self.walk_length = _check_positive_int("walk_length", walk_length)
        if not isinstance(context_size, (int, np.integer)) or not 1 <= context_size <= walk_length + 1:
            raise ValueError(f"context_size must be an int in [1, walk_length + 1], got {context_size!r}")
        if not (p > 0 and q > 0):
            raise ValueError(f"p and q must be positive, got p={p}, q={q}")
        self.context_size, self.p, self.q = int(context_size), float(p), float(q)
        self.walks_per_node = _check_positive_int("walks_per_node", walks_per_node)
        self.num_negative_samples = _check_positive_int("num_negative_samples", num_negative_samples)
        self.batch_size = _check_positive_int("batch_size", batch_size)
        self.shuffle = bool(shuffle)
        self._csr = None
        if hasattr(source, "edge_index") and not isinstance(source, (str, os.PathLike, ShardClient)):
            self.num_nodes = int(source.num_nodes)
            self._csr = out_csr(source.edge_index, self.num_nodes)[:2]
            self.nodes = np.arange(self.num_nodes, dtype=np.int64) if start_nodes is None else \
                np.asarray(torch.as_tensor(start_nodes).numpy(), np.int64)
        else:
            self.client = as_client(source, timeout)
            self.num_nodes = self.client.num_nodes
            self.nodes = _node_set(self.client, start_nodes, "start_nodes")

    def __len__(self) -> int:
        return -(-self.nodes.shape[0] // self.batch_size)

    def _tasks(self, rng):
        return _batches(self.nodes, self.batch_size, self.shuffle, False, rng)

    def _prepare(self, tasks):
        if self._csr is not None:
            return tasks
        per = max(1, self.walk_group // (self.batch_size * self.walks_per_node))
        out, groups = [], []
        for g in range(0, len(tasks), per):
            groups.append({"tasks": tasks[g:g + per], "walks": None, "future": None, "next": None})
            out.extend((i, seed, start, groups[-1]) for i, seed, start in groups[-1]["tasks"])
        for a, b in zip(groups, groups[1:]):
            a["next"] = b
        self._close_walker()
        self._walker = ThreadPoolExecutor(1, thread_name_prefix="distgnn-walk-rounds")
        return out

    def _walk_group(self, tasks) -> dict:
        """The walks of a group's batches, walked on the servers in the same rounds."""
        starts = [np.repeat(t[2], self.walks_per_node) for t in tasks]
        seeds = np.concatenate([np.full(s.shape[0], t[1], np.int64) for s, t in zip(starts, tasks)])
        ids = np.concatenate([np.arange(s.shape[0], dtype=np.int64) for s in starts])
        walks, _ = walk_rounds(self.client.walk_round, self.client.owner, np.concatenate(starts),
                               self.walk_length, self.p, self.q, seeds, ids)
        bounds = np.cumsum([0] + [s.shape[0] for s in starts])
        return {t[0]: walks[bounds[k]:bounds[k + 1]] for k, t in enumerate(tasks)}

    def _submit(self, group: Optional[dict]) -> None:
        """Start walking ``group`` unless it is walking or walked already."""
        if group is not None and group["future"] is None and group["walks"] is None:
            group["future"] = self._walker.submit(self._walk_group, group["tasks"])

    def _server_walks(self, index: int, group: dict) -> np.ndarray:
        """Walks of batch ``index``; asking for a group's first batch starts the next group."""
        if group["walks"] is None:
            self._submit(group)
            self._submit(group["next"])
            group["walks"], group["future"] = group["future"].result(), None
        return group["walks"].pop(index)

    def _close_walker(self) -> None:
        walker, self._walker = getattr(self, "_walker", None), None
        if walker is not None:
            walker.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        super().close()
        self._close_walker()

    def _make(self, task) -> WalkBatch:
        seed, start = task[1], np.repeat(task[2], self.walks_per_node)
        if self._csr is not None:
            walks = random_walk(self._csr[0], self._csr[1], start, self.walk_length, self.p, self.q, seed=seed)
        else:
            walks = torch.from_numpy(self._server_walks(task[0], task[3]))
        if not self.windows:
            empty = torch.empty(0, self.context_size, dtype=torch.long)
            return WalkBatch(empty, empty, walks)
        pos, neg = skipgram_samples(walks, self.num_nodes, self.context_size, self.num_negative_samples,
                                    seed=seed + 1)
        return WalkBatch(pos, neg, walks)
