"""Synthetic graphs: R-MAT power-law graphs, planted partitions (stochastic block models), grids."""
from typing import Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from distgnn.data.data import Data

__all__ = ["rmat_edge_index", "planted_partition_edge_index", "planted_partition",
           "grid_edge_index", "coalesce_numpy"]


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


def rmat_edge_index(scale: int, edge_factor: int = 16, a: float = 0.57, b: float = 0.19,
                    c: float = 0.19, seed: int = 0, symmetric: bool = True,
                    remove_self_loops: bool = True) -> Tensor:
    """R-MAT graph on ``2**scale`` nodes from ``edge_factor * 2**scale`` sampled edges.

    Each edge picks one of the four adjacency quadrants (probabilities a, b, c and
    ``d = 1 - a - b - c``) once per bit of the node ids. The result is coalesced:
    sorted by (row, col) without duplicates, so it can have fewer edges than sampled.
    """
    if not isinstance(scale, (int, np.integer)) or not 0 <= scale <= 31:
        raise ValueError(f"'scale' must be an integer in [0, 31], got {scale!r}")
    _check_positive("edge_factor", edge_factor)
    d = 1.0 - a - b - c
    if min(a, b, c, d) < 0:
        raise ValueError(f"R-MAT probabilities must be >= 0 and a + b + c <= 1, "
                         f"got a={a}, b={b}, c={c}")
    num_nodes = 1 << int(scale)
    num_edges = int(edge_factor) * num_nodes
    rng = np.random.default_rng(seed)
    row = np.zeros(num_edges, dtype=np.int64)
    col = np.zeros(num_edges, dtype=np.int64)
    for level in range(int(scale)):
        r = rng.random(num_edges, dtype=np.float32)
        down = r >= a + b                             # quadrants c, d: row bit set
        right = (r >= a) ^ down ^ (r >= a + b + c)    # quadrants b, d: col bit set
        row += down.astype(np.int64) << level
        col += right.astype(np.int64) << level
    return coalesce_numpy(row, col, num_nodes, symmetric, remove_self_loops)


def _block_assignment(num_nodes: int, num_blocks: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Random assignment of nodes to blocks of (almost) equal size."""
    return rng.permutation(num_nodes) % num_blocks


def _edges_from_blocks(block: np.ndarray, num_blocks: int, avg_degree: float,
                       p_ratio: float, rng: np.random.Generator) -> Tensor:
    num_nodes = block.size
    num_pairs = int(round(num_nodes * avg_degree / 2))
    frac_in = p_ratio / (p_ratio + num_blocks - 1)
    num_in = rng.binomial(num_pairs, frac_in) if num_pairs > 0 else 0
    order = np.argsort(block, kind="stable")
    sizes = np.bincount(block, minlength=num_blocks)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def member_of(blocks: np.ndarray) -> np.ndarray:
        pick = (rng.random(blocks.size) * sizes[blocks]).astype(np.int64)
        return order[starts[blocks] + pick]

    src = rng.integers(0, num_nodes, num_pairs)
    dst_block = block[src].copy()
    if num_blocks > 1:
        shift = rng.integers(1, num_blocks, num_pairs - num_in)
        dst_block[num_in:] = (dst_block[num_in:] + shift) % num_blocks
    dst = member_of(dst_block)
    return coalesce_numpy(src, dst, num_nodes, symmetric=True, remove_self_loops=True)


def _check_planted(num_nodes: int, num_blocks: int, avg_degree: float, p_ratio: float) -> None:
    _check_positive("num_nodes", num_nodes)
    _check_positive("num_blocks", num_blocks)
    if num_blocks > num_nodes:
        raise ValueError(f"'num_blocks' ({num_blocks}) must not exceed 'num_nodes' ({num_nodes})")
    _check_positive("avg_degree", avg_degree, allow_zero=True)
    _check_positive("p_ratio", p_ratio)


def planted_partition_edge_index(num_nodes: int, num_blocks: int, avg_degree: float = 10.0,
                                 p_ratio: float = 25.0, seed: int = 0,
                                 return_blocks: bool = False):
    """Undirected planted-partition graph (equal blocks, nodes assigned at random).

    ``p_ratio`` is the ratio of the intra-block to the inter-block edge probability, so a
    fraction ``p_ratio / (p_ratio + num_blocks - 1)`` of the edges stay inside a block.
    About ``num_nodes * avg_degree / 2`` node pairs are drawn (O(E)); the result is
    coalesced without self-loops. With ``return_blocks=True`` returns ``(edge_index, block)``.
    """
    _check_planted(num_nodes, num_blocks, avg_degree, p_ratio)
    rng = np.random.default_rng(seed)
    block = _block_assignment(num_nodes, num_blocks, rng)
    edge_index = _edges_from_blocks(block, num_blocks, avg_degree, p_ratio, rng)
    if return_blocks:
        return edge_index, torch.from_numpy(block.astype(np.int64))
    return edge_index


def _split_masks(block: np.ndarray, num_blocks: int, train_per_class: int, num_val: int,
                 num_test: int, rng: np.random.Generator) -> Tuple[Tensor, Tensor, Tensor]:
    num_nodes = block.size
    needed = train_per_class * num_blocks + num_val + num_test
    if needed > num_nodes:
        raise ValueError(f"split needs {needed} nodes (train_per_class * num_blocks + num_val "
                         f"+ num_test) but the graph has {num_nodes}")
    perm = rng.permutation(num_nodes)
    rank = np.empty(num_nodes, dtype=np.int64)
    # rank of each node among the nodes of its block, in permuted order
    order = perm[np.argsort(block[perm], kind="stable")]
    sizes = np.bincount(block, minlength=num_blocks)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank[order] = np.arange(num_nodes) - np.repeat(starts, sizes)
    train = rank < train_per_class
    rest = perm[~train[perm]]
    val = np.zeros(num_nodes, dtype=bool)
    test = np.zeros(num_nodes, dtype=bool)
    val[rest[:num_val]] = True
    test[rest[num_val:num_val + num_test]] = True
    return tuple(torch.from_numpy(m) for m in (train, val, test))


def planted_partition(num_nodes: int, num_blocks: int, avg_degree: float = 10.0,
                      p_ratio: float = 25.0, num_features: int = 32,
                      feature_noise: float = 7.0, train_per_class: int = 20,
                      num_val: int = 500, num_test: int = 1000, seed: int = 0,
                      centroid_scale: Optional[float] = None) -> Data:
    """A node-classification graph: planted-partition edges, label = block.

    Features are the block centroid (unit Gaussian, times ``centroid_scale``, default 1)
    plus Gaussian noise of standard deviation ``feature_noise``: the features alone
    separate classes poorly, the neighbourhood average separates them well.
    Masks: ``train_per_class`` nodes per block for training, then ``num_val`` and
    ``num_test`` nodes from the rest; the three are disjoint.
    """
    _check_planted(num_nodes, num_blocks, avg_degree, p_ratio)
    _check_positive("num_features", num_features)
    _check_positive("feature_noise", feature_noise, allow_zero=True)
    rng = np.random.default_rng(seed)
    block = _block_assignment(num_nodes, num_blocks, rng)
    edge_index = _edges_from_blocks(block, num_blocks, avg_degree, p_ratio, rng)
    scale = 1.0 if centroid_scale is None else float(centroid_scale)
    centroids = rng.standard_normal((num_blocks, num_features)) * scale
    noise = rng.standard_normal((num_nodes, num_features)) * feature_noise
    x = torch.from_numpy((centroids[block] + noise).astype(np.float32))
    train, val, test = _split_masks(block, num_blocks, train_per_class, num_val, num_test, rng)
    return Data(x=x, edge_index=edge_index, y=torch.from_numpy(block.astype(np.int64)),
                train_mask=train, val_mask=val, test_mask=test)


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
