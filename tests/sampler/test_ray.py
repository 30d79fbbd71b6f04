"""Shard servers as real Ray actors."""
import numpy as np
import pytest
import torch

ray = pytest.importorskip("ray")

from distgnn.remote import ActorDiedError, RemoteCallError
from distgnn.sampler import (ClusterLoader, NeighborLoader, RandomWalkLoader, launch_shard_servers,
                             shutdown_shard_servers)

from sampler_helpers import edge_set, relabelled

pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture(scope="module")
def actors(suite_ray, store4):
    client = launch_shard_servers(store4.path, num_servers=3, timeout=60)
    yield client
    shutdown_shard_servers(client)


def test_cross_part_sampling_equals_whole_graph(actors, store4, graph):
    assert actors.remote and len(actors.servers) == 3
    whole = relabelled(graph, store4)
    a = list(NeighborLoader(actors, [5, 4, 3], batch_size=64, input_nodes="train_mask", shuffle=True, seed=9))
    b = list(NeighborLoader(whole, [5, 4, 3], batch_size=64, input_nodes="train_mask", shuffle=True, seed=9))
    assert len(a) == len(b) > 1
    crossed = 0
    for x, y in zip(a, b):
        assert torch.equal(x.n_id, y.n_id) and torch.equal(x.x, y.x) and torch.equal(x.y, y.y)
        for bx, by in zip(x.blocks, y.blocks):
            assert torch.equal(bx.edge_index, by.edge_index) and torch.equal(bx.e_id, by.e_id)
            assert bx.size == by.size
        crossed += len(set(store4.part_of(x.n_id.numpy()).tolist()))
    assert crossed > len(a)  # batches really span several parts


def test_actor_batches_without_edge_ids_equal_in_process(actors, store4):
    args = dict(batch_size=64, input_nodes="train_mask", shuffle=True, seed=4, edge_ids=False)
    a = list(NeighborLoader(actors, [5, 3], **args))
    b = list(NeighborLoader(store4.path, [5, 3], **args))
    assert len(a) == len(b) > 1
    for x, y in zip(a, b):
        assert torch.equal(x.n_id, y.n_id) and torch.equal(x.x, y.x) and torch.equal(x.y, y.y)
        for bx, by in zip(x.blocks, y.blocks):
            assert torch.equal(bx.edge_index, by.edge_index) and bx.e_id is None and by.e_id is None


def test_cluster_batches_through_actors(actors, store4, graph):
    local = list(ClusterLoader(store4.path, num_parts_per_batch=2, seed=4))
    remote = list(ClusterLoader(actors, num_parts_per_batch=2, seed=4))
    for x, y in zip(local, remote):
        assert torch.equal(x.n_id, y.n_id) and torch.equal(x.x, y.x)
        assert edge_set(x.edge_index) == edge_set(y.edge_index)


def test_walks_through_actors(actors, store4, graph):
    loader = RandomWalkLoader(actors, walk_length=5, context_size=3, p=0.5, q=2.0, batch_size=128, seed=0)
    edges = edge_set(graph.edge_index)
    orig = store4.orig_ids
    for b in loader:
        w = b.walks.numpy()
        for u, v in zip(orig[w[:, :-1]].ravel().tolist(), orig[w[:, 1:]].ravel().tolist()):
            assert (v, u) in edges or u == v


def test_actor_error_surfaces_with_cause(actors):
    with pytest.raises(RemoteCallError, match=r"shard server \d in 'fetch' raised KeyError") as info:
        actors.fetch("no_such_field", np.arange(10))
    assert "no_such_field" in str(info.value) and info.value.__cause__ is not None
    assert info.value.method == "fetch" and info.value.actor.startswith("shard server")


def test_float16_features_on_the_wire_are_the_rounded_rows_in_half_the_bytes(actors, store4):
    from distgnn.sampler import ShardClient
    from distgnn.traffic import TRAFFIC

    half = ShardClient(actors.servers, actors.server_of_part, timeout=60, wire_dtype="float16")
    ids = np.random.default_rng(0).permutation(store4.num_nodes)[:300]
    before = TRAFFIC.snapshot()
    exact = actors.fetch("x", ids)
    mid = TRAFFIC.snapshot()
    rounded = half.fetch("x", ids)
    after = TRAFFIC.snapshot()
    assert exact.dtype == rounded.dtype == np.float32 and rounded.shape == exact.shape
    assert np.array_equal(rounded, exact.astype(np.float16).astype(np.float32))
    assert not np.array_equal(rounded, exact)  # really rounded on the way
    received = [sum(b[k] - a[k] for k in ("recv_same", "recv_cross")) for a, b in ((before, mid), (mid, after))]
    assert received == [exact.nbytes, exact.nbytes // 2]
    assert np.array_equal(half.fetch("y", ids), actors.fetch("y", ids))  # labels as they are
    with pytest.raises(ValueError, match="wire_dtype must be one of float32, float16, got 'int8'"):
        ShardClient(actors.servers, actors.server_of_part, wire_dtype="int8")


def test_dead_actor_surfaces_in_loader(suite_ray, store4):
    client = launch_shard_servers(store4.path, num_servers=2, timeout=30)
    loader = NeighborLoader(client, [3, 3], batch_size=32, seed=0)
    it = iter(loader)
    next(it)
    shutdown_shard_servers(client)
    with pytest.raises(ActorDiedError, match=r"shard server \d died during '(sample|fetch)'"):
        for _ in it:
            pass
    loader.close()
