"""Samplers: pure numba kernels, shard servers (in-process or Ray actors) and loaders.

* Kernels -- :mod:`.neighbor` (multi-hop neighbour sampling), :mod:`.cluster`
  (Cluster-GCN batches), :mod:`.walks` (uniform / node2vec / metapath walks,
  context windows, negative samples).
* Servers -- :class:`ShardServer` serves parts of a graph by global id;
  :func:`launch_shard_servers` runs them as Ray actors behind a
  :class:`ShardClient`.
* Loaders -- :class:`NeighborLoader`, :class:`ClusterLoader`,
  :class:`RandomWalkLoader` take a ``Data``, a store path or a client, and
  prefetch batches in the background.
"""
from .actor import launch_shard_servers, shutdown_shard_servers, split_parts
from .batch import Block, ClusterBatch, NeighborBatch, WalkBatch
from .client import ShardClient
from .csr import in_csr, out_csr
from .loader import ClusterLoader, NeighborLoader, RandomWalkLoader, as_client
from .server import ShardServer
from .walks import context_windows, metapath_walk, negative_walks, random_walk, skipgram_samples

__all__ = ["random_walk", "metapath_walk", "context_windows", "negative_walks", "skipgram_samples",
           "NeighborLoader", "ClusterLoader", "RandomWalkLoader", "as_client",
           "Block", "NeighborBatch", "ClusterBatch", "WalkBatch",
           "ShardServer", "ShardClient",
           "launch_shard_servers", "shutdown_shard_servers", "split_parts", "in_csr", "out_csr"]
