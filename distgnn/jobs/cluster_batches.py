"""Cluster batches of the ClusterGCN job, read from the store's parts batch by batch.

A batch is a group of parts (the groups and their split over replicas are
:class:`~distgnn.sampler.ClusterLoader`'s: the same seed gives the same groups).
Each batch reads only its parts' arrays from the store (CSR rows, features,
labels, masks: whole Zarr chunks), never a copy of the whole store, and turns
them on the prefetch thread into the batch's normalised adjacency
(:func:`~distgnn.sampler.cluster.cluster_adjacency`: self-loops, row weights
and the transposed layout the backward pass reads, all O(edges) without a
sort), so the training step only multiplies.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

import numpy as np
import torch

from distgnn.sampler.cluster import batch_offsets, cluster_adjacency
from distgnn.sampler.loader import ClusterShares, EpochLoader
from distgnn.typing import SparseTensor

__all__ = ["PreparedBatch", "StoreClusterBatches", "read_group"]


@dataclass
class PreparedBatch:
    """One cluster batch: ``adj`` the normalised adjacency (targets as rows, batch
    positions), ``x``, ``y``, ``masks`` per node, ``n_id`` the store's ids."""
    adj: SparseTensor
    x: torch.Tensor
    y: torch.Tensor
    masks: Dict[str, torch.Tensor]
    n_id: torch.Tensor

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    def __contains__(self, name: str) -> bool:
        return name in self.masks

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.masks[name]


def _concat_rows(rowptrs: List[np.ndarray]) -> np.ndarray:
    out, base = [np.zeros(1, np.int64)], 0
    for rp in rowptrs:
        out.append(rp[1:].astype(np.int64) + base)
        base += int(rp[-1])
    return np.concatenate(out)


def read_group(store, parts: np.ndarray, loop_value: float = 1.0) -> PreparedBatch:
    """The batch of ``parts`` (ascending) of an open store, read part by part."""
    parts = np.asarray(parts, np.int64)
    ranges = np.asarray(store.node_ranges, np.int64)
    rowptrs, cols, xs, ys = [], [], [], []
    masks: Dict[str, list] = {}
    for p in parts:
        shard = store.part(int(p))
        names = shard.array_names()
        rowptrs.append(shard.read("rowptr"))
        cols.append(shard.read("col"))
        xs.append(shard.read("x") if "x" in names else None)
        ys.append(shard.read("y") if "y" in names else None)
        for name in names:
            if name.startswith("masks/"):
                masks.setdefault(name[len("masks/"):], []).append(shard.read(name))
    col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    ptr, row, adj_col, value, colptr, csr2csc = cluster_adjacency(
        _concat_rows(rowptrs), col, ranges, batch_offsets(ranges, parts), np.float32(loop_value))
    n = ptr.shape[0] - 1
    t = torch.from_numpy
    from torch_sparse.storage import SparseStorage
    storage = SparseStorage(row=t(row), rowptr=t(ptr), col=t(adj_col), value=t(value),
                            sparse_sizes=(n, n), colptr=t(colptr), csr2csc=t(csr2csc),
                            is_sorted=True, trust_data=True)
    x = np.concatenate(xs).astype(np.float32, copy=False)
    n_id = np.concatenate([np.arange(ranges[p], ranges[p + 1]) for p in parts])
    return PreparedBatch(SparseTensor.from_storage(storage), t(x), t(np.concatenate(ys)),
                         {m: t(np.concatenate(v).astype(bool, copy=False)) for m, v in masks.items()
                          if len(v) == len(parts)}, t(n_id.astype(np.int64)))


class StoreClusterBatches(ClusterShares, EpochLoader):
    """Replica ``rank``'s cluster batches of one epoch, read from the store ``path``.

    The groups of each epoch are :class:`~distgnn.sampler.ClusterLoader`'s for the
    same ``seed`` and epoch (the same :class:`~distgnn.sampler.loader.ClusterShares`);
    ``steps_per_epoch`` is the largest replica's share.
    """

    def __init__(self, path: str, num_parts_per_batch: int, shuffle: bool, seed: int,
                 rank: int = 0, world_size: int = 1, prefetch: int = 2,
                 loop_value: float = 1.0) -> None:
        from distgnn.partition import open_store

        EpochLoader.__init__(self, seed, prefetch, kernel_threads=1)
        self.store = open_store(path)
        self._check_share(num_parts_per_batch, shuffle, rank, world_size)
        self.loop_value = float(loop_value)

    @property
    def num_parts(self) -> int:
        return int(self.store.num_parts)

    @property
    def num_features(self) -> int:
        return int(self.store.num_features)

    def _make(self, task) -> PreparedBatch:
        return read_group(self.store, task[2], self.loop_value)
