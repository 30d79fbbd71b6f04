"""Synthetic graphs: R-MAT power-law graphs, planted partitions (stochastic block models), grids.

The large generators stream: ``rmat_edge_chunks`` and ``planted_edge_chunks``
yield raw sampled edges block by block, each block drawn from its own seeded
stream (``SeedSequence(seed, spawn_key=(stage, block))``), so the graph is the
same whatever chunk size a consumer regroups them into and memory stays at one
block plus O(num_nodes). The in-memory helpers (``rmat_edge_index``,
``planted_partition_edge_index``, ``planted_partition``) coalesce those same
streams, so both ways give the same graph.
"""
from typing import Iterator, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from distgnn.data.data import Data
from distgnn.generator_defaults import PLANTED_DEFAULTS

__all__ = ["rmat_edge_index", "rmat_edge_chunks", "planted_partition_edge_index", "planted_partition",
           "planted_blocks", "planted_edge_chunks", "planted_feature_chunks", "planted_masks",
           "grid_edge_index", "coalesce_numpy", "id_dtype", "GEN_BLOCK"]

#: edges (node rows for features) drawn per seeded block; fixes the graph for a seed
GEN_BLOCK = 1 << 20

_EDGES, _NODES, _FEATURES, _MASKS = 1, 0, 2, 3


def id_dtype(num_nodes: int) -> np.dtype:
    """int32 when every id of ``num_nodes`` fits, else int64."""
    return np.dtype(np.int32) if num_nodes < 2**31 else np.dtype(np.int64)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=tuple(int(k) for k in key)))


def _check_positive(name: str, value, allow_zero: bool = False) -> None:
    ok = value >= 0 if allow_zero else value > 0
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"'{name}' must be {bound}, got {value}")


def coalesce_numpy(row: np.ndarray, col: np.ndarray, num_nodes: int,
                   symmetric: bool = False, remove_self_loops: bool = False) -> Tensor:
    """Sort edges by (row, col), drop duplicates (and optionally self-loops); returns ``[2, E]``.

    With ``symmetric=True`` every edge is added in both directions first.
    """
    row = np.asarray(row, dtype=np.int64)
    col = np.asarray(col, dtype=np.int64)
    if symmetric:
        row, col = np.concatenate([row, col]), np.concatenate([col, row])
    if remove_self_loops:
        keep = row != col
        row, col = row[keep], col[keep]
    key = np.sort(row * np.int64(num_nodes) + col)
    if key.size > 1:
        first = np.empty(key.size, dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        key = key[first]
    out = np.empty((2, key.size), dtype=np.int64)
    np.floor_divide(key, num_nodes, out=out[0])
    np.remainder(key, num_nodes, out=out[1])
    return torch.from_numpy(out)


def _check_rmat(scale, edge_factor, a, b, c) -> None:
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or not 0 <= scale <= 40:
        raise ValueError(f"'scale' must be an integer in [0, 40], got {scale!r}")
    _check_positive("edge_factor", edge_factor)
    d = 1.0 - a - b - c
    if min(a, b, c, d) < 0:
        raise ValueError(f"R-MAT probabilities must be >= 0 and a + b + c <= 1, "
                         f"got a={a}, b={b}, c={c}")


def _rmat_block(num: int, scale: int, a: float, b: float, c: float, rng: np.random.Generator,
                dtype) -> np.ndarray:
    out = np.zeros((2, num), dtype)
    one = dtype(1)
    for level in range(scale):
        r = rng.random(num, dtype=np.float32)
        down = r >= a + b                             # quadrants c, d: row bit set
        right = (r >= a) ^ down ^ (r >= a + b + c)    # quadrants b, d: col bit set
        out[0] |= down.astype(dtype) * (one << dtype(level))
        out[1] |= right.astype(dtype) * (one << dtype(level))
    return out


def rmat_edge_chunks(scale: int, edge_factor: int = 16, a: float = 0.57, b: float = 0.19,
                     c: float = 0.19, seed: int = 0) -> Iterator[np.ndarray]:
    """Yield the ``edge_factor * 2**scale`` sampled R-MAT edges as [2, <= GEN_BLOCK] blocks.

    Raw samples: directed, with duplicates and self loops (ingest cleans them).
    Ids are int32 below 2**31 nodes, else int64.
    """
    _check_rmat(scale, edge_factor, a, b, c)
    num_nodes = 1 << int(scale)
    total = int(edge_factor) * num_nodes
    dtype = id_dtype(num_nodes).type
    for blk, start in enumerate(range(0, total, GEN_BLOCK)):
        yield _rmat_block(min(GEN_BLOCK, total - start), int(scale), a, b, c, _rng(seed, _EDGES, blk), dtype)


def rmat_edge_index(scale: int, edge_factor: int = 16, a: float = 0.57, b: float = 0.19,
                    c: float = 0.19, seed: int = 0, symmetric: bool = True,
                    remove_self_loops: bool = True) -> Tensor:
    """R-MAT graph on ``2**scale`` nodes from ``edge_factor * 2**scale`` sampled edges.

    Each edge picks one of the four adjacency quadrants (probabilities a, b, c and
    ``d = 1 - a - b - c``) once per bit of the node ids. The result is coalesced:
    sorted by (row, col) without duplicates, so it can have fewer edges than sampled.
    The samples are those of :func:`rmat_edge_chunks`.
    """
    _check_rmat(scale, edge_factor, a, b, c)
    chunks = list(rmat_edge_chunks(scale, edge_factor, a, b, c, seed))
    ei = np.concatenate(chunks, axis=1)
    return coalesce_numpy(ei[0], ei[1], 1 << int(scale), symmetric, remove_self_loops)


def _check_planted(num_nodes: int, num_blocks: int, avg_degree: float, p_ratio: float) -> None:
    _check_positive("num_nodes", num_nodes)
    _check_positive("num_blocks", num_blocks)
    if num_blocks > num_nodes:
        raise ValueError(f"'num_blocks' ({num_blocks}) must not exceed 'num_nodes' ({num_nodes})")
    _check_positive("avg_degree", avg_degree, allow_zero=True)
    _check_positive("p_ratio", p_ratio)


def planted_blocks(num_nodes: int, num_blocks: int, seed: int = 0) -> np.ndarray:
    """Block of every node: equal blocks (sizes differ by at most one), nodes assigned at random."""
    perm = _rng(seed, _NODES).permutation(num_nodes).astype(id_dtype(num_nodes))
    perm %= num_blocks
    return perm


def planted_edge_chunks(block: np.ndarray, num_blocks: int, avg_degree: float = 10.0,
                        p_ratio: float = 25.0, seed: int = 0) -> Iterator[np.ndarray]:
    """Yield ``round(n * avg_degree / 2)`` sampled node pairs as [2, <= GEN_BLOCK] blocks.

    A pair starts at a uniform node and stays inside its block with probability
    ``p_ratio / (p_ratio + num_blocks - 1)``, else goes to a uniform other block;
    the end is a uniform member of that block. Raw: symmetrise and deduplicate downstream.
    """
    n = block.shape[0]
    dtype = id_dtype(n)
    num_pairs = int(round(n * avg_degree / 2))
    frac_in = p_ratio / (p_ratio + num_blocks - 1)
    order = np.argsort(block, kind="stable").astype(dtype)
    sizes = np.bincount(block, minlength=num_blocks).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for blk, s0 in enumerate(range(0, num_pairs, GEN_BLOCK)):
        m = min(GEN_BLOCK, num_pairs - s0)
        rng = _rng(seed, _EDGES, blk)
        src = rng.integers(0, n, m, dtype=np.int64)
        dst_block = block[src].astype(np.int64)
        if num_blocks > 1:
            cross = rng.random(m) >= frac_in
            shift = rng.integers(1, num_blocks, m)
            dst_block = np.where(cross, (dst_block + shift) % num_blocks, dst_block)
        pick = (rng.random(m) * sizes[dst_block]).astype(np.int64)
        out = np.empty((2, m), dtype)
        out[0] = src
        out[1] = order[starts[dst_block] + pick]
        yield out


def planted_partition_edge_index(num_nodes: int, num_blocks: int, avg_degree: float = 10.0,
                                 p_ratio: float = 25.0, seed: int = 0,
                                 return_blocks: bool = False):
    """Undirected planted-partition graph (equal blocks, nodes assigned at random).

    ``p_ratio`` is the ratio of the intra-block to the inter-block edge probability, so a
    fraction ``p_ratio / (p_ratio + num_blocks - 1)`` of the edges stay inside a block.
    About ``num_nodes * avg_degree / 2`` node pairs are drawn (O(E), the pairs of
    :func:`planted_edge_chunks`); the result is coalesced without self-loops.
    With ``return_blocks=True`` returns ``(edge_index, block)``.
    """
    _check_planted(num_nodes, num_blocks, avg_degree, p_ratio)
    block = planted_blocks(num_nodes, num_blocks, seed)
    chunks = list(planted_edge_chunks(block, num_blocks, avg_degree, p_ratio, seed))
    ei = np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0), np.int64)
    edge_index = coalesce_numpy(ei[0], ei[1], num_nodes, symmetric=True, remove_self_loops=True)
    if return_blocks:
        return edge_index, torch.from_numpy(block.astype(np.int64))
    return edge_index


def planted_feature_chunks(block: np.ndarray, num_blocks: int,
                           num_features: int = PLANTED_DEFAULTS["num_features"],
                           feature_noise: float = PLANTED_DEFAULTS["feature_noise"],
                           centroid_scale: float = 1.0, seed: int = 0) -> Iterator[np.ndarray]:
    """Yield float32 [<= GEN_BLOCK, F] feature rows in node order: centroid of the block plus noise."""
    centroids = _rng(seed, _FEATURES).standard_normal((num_blocks, num_features)) * centroid_scale
    for blk, s0 in enumerate(range(0, block.shape[0], GEN_BLOCK)):
        b = block[s0:s0 + GEN_BLOCK]
        noise = _rng(seed, _FEATURES, blk + 1).standard_normal((b.shape[0], num_features)) * feature_noise
        yield (centroids[b] + noise).astype(np.float32)


def planted_masks(block: np.ndarray, num_blocks: int, train_per_class: int = 20, num_val: int = 500,
                  num_test: int = 1000, seed: int = 0) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Disjoint bool train/val/test masks: ``train_per_class`` nodes per block, then val and test from the rest."""
    num_nodes = block.size
    needed = train_per_class * num_blocks + num_val + num_test
    if needed > num_nodes:
        raise ValueError(f"split needs {needed} nodes (train_per_class * num_blocks + num_val "
                         f"+ num_test) but the graph has {num_nodes}")
    perm = _rng(seed, _MASKS).permutation(num_nodes)
    rank = np.empty(num_nodes, dtype=np.int64)
    # rank of each node among the nodes of its block, in permuted order
    order = perm[np.argsort(block[perm], kind="stable")]
    sizes = np.bincount(block, minlength=num_blocks)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank[order] = np.arange(num_nodes) - np.repeat(starts, sizes)
    del order
    train = rank < train_per_class
    del rank
    rest = perm[~train[perm]]
    val = np.zeros(num_nodes, dtype=bool)
    test = np.zeros(num_nodes, dtype=bool)
    val[rest[:num_val]] = True
    test[rest[num_val:num_val + num_test]] = True
    return train, val, test


def planted_partition(num_nodes: int, num_blocks: int,
                      avg_degree: float = PLANTED_DEFAULTS["avg_degree"],
                      p_ratio: float = PLANTED_DEFAULTS["p_ratio"],
                      num_features: int = PLANTED_DEFAULTS["num_features"],
                      feature_noise: float = PLANTED_DEFAULTS["feature_noise"],
                      train_per_class: int = PLANTED_DEFAULTS["train_per_class"],
                      num_val: int = PLANTED_DEFAULTS["num_val"],
                      num_test: int = PLANTED_DEFAULTS["num_test"], seed: int = 0,
                      centroid_scale: Optional[float] = None) -> Data:
    """A node-classification graph: planted-partition edges, label = block.

    Features are the block centroid (unit Gaussian, times ``centroid_scale``, default 1)
    plus Gaussian noise of standard deviation ``feature_noise`` (default 2.0, as in
    ``distgnn generate`` and ``distgnn train``): at 7.0 the features alone separate
    classes poorly and the neighbourhood average separates them well.
    Masks: ``train_per_class`` nodes per block for training, then ``num_val`` and
    ``num_test`` nodes from the rest; the three are disjoint. The same graph as
    ``distgnn generate planted:...`` with the same seed.
    """
    _check_planted(num_nodes, num_blocks, avg_degree, p_ratio)
    _check_positive("num_features", num_features)
    _check_positive("feature_noise", feature_noise, allow_zero=True)
    edge_index, block_t = planted_partition_edge_index(num_nodes, num_blocks, avg_degree, p_ratio, seed,
                                                       return_blocks=True)
    block = block_t.numpy()
    scale = 1.0 if centroid_scale is None else float(centroid_scale)
    x = np.concatenate(list(planted_feature_chunks(block, num_blocks, num_features, feature_noise, scale, seed)))
    train, val, test = planted_masks(block, num_blocks, train_per_class, num_val, num_test, seed)
    return Data(x=torch.from_numpy(x), edge_index=edge_index, y=block_t,
                train_mask=torch.from_numpy(train), val_mask=torch.from_numpy(val),
                test_mask=torch.from_numpy(test))


def grid_edge_index(height: int, width: int) -> Tensor:
    """4-neighbour 2-D grid on ``height * width`` nodes (node ``i * width + j``), both directions, coalesced."""
    _check_positive("height", height)
    _check_positive("width", width)
    ids = np.arange(height * width, dtype=np.int64).reshape(height, width)
    right = (ids[:, :-1].ravel(), ids[:, 1:].ravel())
    down = (ids[:-1, :].ravel(), ids[1:, :].ravel())
    row = np.concatenate([right[0], down[0]])
    col = np.concatenate([right[1], down[1]])
    return coalesce_numpy(row, col, height * width, symmetric=True)
