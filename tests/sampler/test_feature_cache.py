"""The replica-side feature cache: exact rows, size bound, degree ranking, statistics."""
import numpy as np
import pytest
import torch

from distgnn.sampler import NeighborLoader, ShardClient
from distgnn.sampler.feature_cache import (FeatureCache, hot_nodes, optional_cache, rows_that_fit,
                                           store_in_degrees, visit_counts)

from sampler_helpers import relabelled


@pytest.fixture(scope="module")
def client(store4):
    return ShardClient.from_store(store4.path)


def test_hot_nodes_hand_computed():
    score = np.array([3, 9, 1, 9, 0, 5])
    assert hot_nodes(score, 3).tolist() == [1, 3, 5]
    assert hot_nodes(score, 4).tolist() == [0, 1, 3, 5]
    assert hot_nodes(np.array([2, 2, 2]), 2).tolist() == [0, 1]  # ties go to the lower id
    assert hot_nodes(score, 0).tolist() == [] and hot_nodes(score, 99).tolist() == list(range(6))


def test_rows_that_fit():
    assert rows_that_fit(1, 120) == (1 << 20) // 128
    assert rows_that_fit(0, 16) == 0
    with pytest.raises(ValueError, match="MB >= 0, got -1"):
        rows_that_fit(-1, 16)


def test_store_in_degrees_match_the_edges(store4, graph):
    whole = relabelled(graph, store4)
    expect = np.bincount(whole.edge_index[1].numpy(), minlength=graph.num_nodes)
    assert np.array_equal(store_in_degrees(store4), expect)


def test_rows_equal_the_store_and_size_is_respected(client, store4, graph):
    row_bytes = 4 * graph.x.size(1)
    mb = 40 * (row_bytes + 8) / (1 << 20)  # room for exactly 40 rows
    cache = FeatureCache.by_score(client, store_in_degrees(store4), mb)
    assert cache.num_cached == 40 and cache.nbytes <= mb * (1 << 20)
    deg = store_in_degrees(store4)
    assert deg[cache._ids].min() >= np.sort(deg)[-40]  # the 40 highest degrees
    rng = np.random.default_rng(0)
    ids = rng.integers(0, graph.num_nodes, 500)  # repeats included
    got = cache.fetch(ids)
    assert got.dtype == np.float32 and np.array_equal(got, client.fetch("x", ids))
    orig = store4.orig_ids
    assert torch.equal(torch.from_numpy(got), graph.x[orig[ids]])
    hits = int(cache.contains(ids).sum())
    s = cache.stats()
    assert 0 < hits < 500 and s["hits"] == hits and s["misses"] == 500 - hits
    assert s["bytes_fetched"] == (500 - hits) * row_bytes and s["hit_rate"] == hits / 500
    cache.reset_stats()
    assert cache.stats()["hits"] == 0


def test_empty_and_full_caches(client, store4, graph):
    ids = np.arange(graph.num_nodes)[::-1].copy()
    empty = FeatureCache(client, np.zeros(0, np.int64), 0)
    assert empty.num_cached == 0 and np.array_equal(empty.fetch(ids), client.fetch("x", ids))
    assert empty.stats()["hit_rate"] == 0.0
    full = FeatureCache(client, np.arange(graph.num_nodes), 100)
    assert np.array_equal(full.fetch(ids), client.fetch("x", ids)) and full.stats()["misses"] == 0
    assert optional_cache(client, store4, 0) is None
    # in this process the features are memory-mapped already: no cache unless asked for
    assert optional_cache(client, store4, 1) is None
    assert optional_cache(client, store4, 1, remote_only=False).num_cached > 0


def test_bad_input_is_refused(client, graph):
    with pytest.raises(ValueError, match="one score per node"):
        FeatureCache.by_score(client, np.ones(3), 1)
    cache = FeatureCache(client, np.arange(10), 1)
    with pytest.raises(ValueError, match=r"node ids must be in \[0, 512\)"):
        cache.fetch(np.array([0, graph.num_nodes]))


def test_loader_batches_equal_with_and_without_cache(client, store4):
    cache = FeatureCache.by_score(client, store_in_degrees(store4), 0.002)
    args = dict(batch_size=64, input_nodes="train_mask", shuffle=True, seed=3)
    plain = list(NeighborLoader(client, [4, 3], **args))
    cached = NeighborLoader(client, [4, 3], feature_cache=cache, **args)
    got = list(cached)
    assert len(got) == len(plain) > 1
    for a, b in zip(plain, got):
        assert torch.equal(a.n_id, b.n_id) and torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    s = cache.stats()
    assert s["hits"] + s["misses"] == sum(b.n_id.numel() for b in got) and s["hits"] > 0
    assert cached.timings["sample_s"] > 0 and cached.timings["fetch_s"] > 0


def test_warm_up_visit_counts(client):
    loader = NeighborLoader(client, [3], batch_size=32, shuffle=True, seed=1, fetch_features=False)
    counts = visit_counts(loader, 2)
    batches = list(NeighborLoader(client, [3], batch_size=32, shuffle=True, seed=1,
                                  fetch_features=False))[:2]
    expect = np.bincount(np.concatenate([b.n_id.numpy() for b in batches]), minlength=client.num_nodes)
    assert np.array_equal(counts, expect) and loader.epoch == 1


def test_label_cache_holds_exactly_the_seeds(client):
    seeds = client.where("train_mask")
    labels = FeatureCache.holding(client, seeds, "y")
    assert labels.num_cached == seeds.shape[0] and labels.row_shape == ()
    args = dict(batch_size=50, input_nodes=seeds, shuffle=True, seed=5)
    plain = list(NeighborLoader(client, [2], **args))
    got = list(NeighborLoader(client, [2], label_cache=labels, **args))
    assert all(torch.equal(a.y, b.y) for a, b in zip(plain, got)) and len(got) == len(plain)
    assert labels.stats()["misses"] == 0 and labels.stats()["hits"] == seeds.shape[0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="page-locked memory needs CUDA")
def test_pinned_batches(client):
    b = next(iter(NeighborLoader(client, [3], batch_size=16, pin_memory=True)))
    assert b.x.is_pinned() and b.y.is_pinned() and b.blocks[0].edge_index.is_pinned()
