"""Cluster batches from a real Zarr store (no Ray)."""
import numpy as np
import pytest
import torch

from distgnn.sampler import ClusterLoader, NeighborLoader, RandomWalkLoader, ShardClient

from sampler_helpers import edge_set, relabelled


def _expected_edges(graph, nodes: set) -> set:
    return {(a, b) for a, b in edge_set(graph.edge_index) if a in nodes and b in nodes}


@pytest.mark.parametrize("q", [1, 2, 3])
def test_cluster_batch_has_exactly_the_edges_of_its_parts(store4, graph, q):
    loader = ClusterLoader(store4.path, num_parts_per_batch=q, shuffle=True, seed=0)
    seen = []
    for batch in loader:
        parts = batch.parts.numpy()
        assert 1 <= len(parts) <= q
        n_id = batch.n_id.numpy()
        assert set(store4.part_of(n_id).tolist()) == set(parts.tolist())
        orig = store4.orig_ids[n_id]
        got = {(orig[a], orig[b]) for a, b in edge_set(batch.edge_index)}
        assert got == _expected_edges(graph, set(orig.tolist()))
        ei = graph.edge_index[:, batch.e_id]
        assert torch.equal(ei, torch.from_numpy(orig[batch.edge_index.numpy()]))
        assert torch.equal(batch.x, graph.x[orig]) and torch.equal(batch.y, graph.y[orig])
        assert torch.equal(batch.train_mask, graph.train_mask[orig])
        seen.extend(parts.tolist())
    assert sorted(seen) == list(range(4))
    assert len(loader) == -(-4 // q)


def test_cluster_loader_from_data(graph):
    loader = ClusterLoader.from_data(graph, num_parts=6, num_parts_per_batch=2, method="random", seed=1)
    total = 0
    for batch in loader:
        n_id = batch.n_id.numpy()  # the graph's own numbering
        got = {(n_id[a], n_id[b]) for a, b in edge_set(batch.edge_index)}
        assert got == _expected_edges(graph, set(n_id.tolist()))
        assert torch.equal(batch.x, graph.x[batch.n_id])
        total += len(n_id)
    assert total == graph.num_nodes and len(loader) == 3


def test_store_sampling_equals_whole_graph(store4, graph):
    # a local store served part by part samples exactly like the whole graph
    whole = relabelled(graph, store4)
    a = list(NeighborLoader(store4.path, [4, 3], batch_size=40, input_nodes="train_mask", seed=3))
    b = list(NeighborLoader(whole, [4, 3], batch_size=40, input_nodes="train_mask", seed=3))
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert torch.equal(x.n_id, y.n_id) and torch.equal(x.x, y.x) and torch.equal(x.y, y.y)
        for bx, by in zip(x.blocks, y.blocks):
            assert torch.equal(bx.edge_index, by.edge_index) and torch.equal(bx.e_id, by.e_id)
            assert bx.size == by.size


def test_walk_loader_over_store(store4, graph):
    loader = RandomWalkLoader(store4.path, walk_length=6, context_size=3, walks_per_node=2,
                              p=0.5, q=2.0, batch_size=100, seed=0)
    edges = edge_set(graph.edge_index)
    orig = store4.orig_ids
    batches = list(loader)
    assert len(batches) == len(loader)
    for b in batches:
        pos_rw, neg_rw = b
        assert pos_rw.shape[1] == 3 and neg_rw.shape[1] == 3
        w = b.walks.numpy()
        for u, v in zip(orig[w[:, :-1]].ravel().tolist(), orig[w[:, 1:]].ravel().tolist()):
            assert (v, u) in edges or u == v


def test_walk_loader_in_memory(graph):
    loader = RandomWalkLoader(graph, walk_length=10, context_size=4, walks_per_node=3,
                              num_negative_samples=2, batch_size=64, seed=0)
    b = next(iter(loader))
    assert b.walks.shape == (64 * 3, 11)
    assert b.pos_rw.shape == (64 * 3 * 8, 4) and b.neg_rw.shape == (64 * 3 * 2 * 8, 4)


def test_walk_loader_without_windows_gives_the_same_walks(graph):
    kw = dict(walk_length=10, context_size=4, walks_per_node=3, batch_size=64, seed=0)
    full = list(RandomWalkLoader(graph, **kw))
    bare = list(RandomWalkLoader(graph, windows=False, **kw))
    assert len(full) == len(bare)
    for a, b in zip(full, bare):
        assert torch.equal(a.walks, b.walks)
        assert b.pos_rw.shape == (0, 4) and b.neg_rw.shape == (0, 4)


def test_cluster_loader_splits_groups_between_replicas(graph):
    loaders = [ClusterLoader.from_data(graph, num_parts=6, num_parts_per_batch=1, method="random",
                                       seed=3, rank=r, world_size=2) for r in (0, 1)]
    assert [len(loader) for loader in loaders] == [3, 3]
    parts = [sorted(int(p) for batch in loader for p in batch.parts) for loader in loaders]
    assert len(parts[0]) == len(parts[1]) == 3
    assert set(parts[0]).isdisjoint(parts[1])
    assert sorted(parts[0] + parts[1]) == list(range(6))
    with pytest.raises(ValueError, match="rank must be in"):
        ClusterLoader.from_data(graph, num_parts=6, method="random", rank=2, world_size=2)


@pytest.mark.parametrize("world", [2, 3, 4])
def test_cluster_loader_shares_cover_every_part(graph, world):
    # 7 parts in groups of 2: 4 groups, not divisible by 3; no group is dropped
    loaders = [ClusterLoader.from_data(graph, num_parts=7, num_parts_per_batch=2, method="random",
                                       seed=5, rank=r, world_size=world) for r in range(world)]
    groups = -(-4 // world)
    assert [loader.steps_per_epoch for loader in loaders] == [groups] * world
    assert [len(loader) for loader in loaders] == [len(range(r, 4, world)) for r in range(world)]
    parts = [int(p) for loader in loaders for batch in loader for p in batch.parts]
    assert sorted(parts) == list(range(7))
