"""Walks on the shard servers (rounds) against the in-process walker, over real Ray actors."""
import numpy as np
import pytest
import torch
from scipy.stats import chi2

ray = pytest.importorskip("ray")

from distgnn.remote import RemoteCallError
from distgnn.sampler import (RandomWalkLoader, ShardClient, launch_shard_servers, out_csr, random_walk,
                             shutdown_shard_servers)
from distgnn.sampler.dist_walk import client_walks
from distgnn.sampler.walk_rounds import walk_rounds

from sampler_helpers import relabelled

pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture(scope="module")
def actors(suite_ray, store4):
    client = launch_shard_servers(store4.path, num_servers=4, timeout=60, max_restarts=0,
                                  max_relaunches=2)
    yield client
    shutdown_shard_servers(client)


def _in_process(graph, start, length, p, q, seed):
    rowptr, col, _ = out_csr(graph.edge_index, graph.num_nodes)
    return random_walk(rowptr, col, start, length, p, q, seed=seed).numpy()


@pytest.mark.parametrize("p,q", [(1.0, 1.0), (0.5, 2.0)])
def test_one_part_gives_the_in_process_walks(graph, p, q):
    client = ShardClient.from_data(graph)
    start = np.repeat(np.arange(graph.num_nodes), 2)
    walks = client_walks(client, start, 12, p, q, seed=3)
    assert np.array_equal(walks, _in_process(graph, start, 12, p, q, 3))


def _law_chi_square(walks: np.ndarray, graph, p: float, q: float):
    """``(statistic, dof)`` of the next-vertex counts of every often-seen (prev, cur)
    context against node2vec's transition law (weights 1/p, 1, 1/q)."""
    rowptr, col, _ = out_csr(graph.edge_index, graph.num_nodes)
    a, b, c = walks[:, :-2].ravel(), walks[:, 1:-1].ravel(), walks[:, 2:].ravel()
    keep = a != b  # a walker on an isolated vertex stays
    a, b, c = a[keep], b[keep], c[keep]
    contexts, inverse, seen = np.unique(a * graph.num_nodes + b, return_inverse=True, return_counts=True)
    stat, dof = 0.0, 0
    for k in np.flatnonzero(seen >= 30):
        t, v = divmod(int(contexts[k]), graph.num_nodes)
        nbrs, tn = col[rowptr[v]:rowptr[v + 1]], set(col[rowptr[t]:rowptr[t + 1]].tolist())
        kind = np.array([0 if x == t else (1 if x in tn else 2) for x in nbrs.tolist()])
        moved = c[inverse == k]
        assert np.isin(moved, nbrs).all()  # every move followed an edge
        # pooled by class: back to prev (1/p), a neighbour of prev (1), farther (1/q)
        w = np.bincount(kind, minlength=3) * np.array([1 / p, 1.0, 1 / q])
        exp = seen[k] * w / w.sum()
        obs = np.bincount(kind[np.searchsorted(nbrs, moved)], minlength=3)
        used = exp > 0
        if exp[used].min() < 5 or used.sum() < 2:
            continue
        stat += float(((obs[used] - exp[used]) ** 2 / exp[used]).sum())
        dof += int(used.sum()) - 1
    return stat, dof


def test_four_parts_walk_like_the_in_process_walker(actors, store4, graph):
    whole = relabelled(graph, store4)
    start = np.repeat(np.arange(graph.num_nodes), 4)
    walks, stats = walk_rounds(actors.walk_round, actors.owner, start, 10, 0.5, 2.0, seed=21)
    assert stats["moves"] > start.size and stats["queries"] > 0  # walkers crossed servers, asked owners
    # same per-walk streams: the very walks of the in-process walker on the same numbering
    assert np.array_equal(walks, _in_process(whole, start, 10, 0.5, 2.0, 21))
    # and the transition frequencies follow node2vec's law (chi-square over many contexts)
    mine = np.concatenate([walk_rounds(actors.walk_round, actors.owner, start, 10, 0.5, 2.0, seed=s)[0]
                           for s in range(8)])
    stat, dof = _law_chi_square(mine, whole, 0.5, 2.0)
    assert dof > 50 and chi2.sf(stat, dof) > 1e-3


@pytest.mark.parametrize("walk_group", [1, 450, 32768])  # a batch alone, 2 batches, all at once
def test_loader_over_servers_gives_the_same_walks_and_pairs(actors, store4, graph, walk_group):
    kw = dict(walk_length=6, context_size=3, walks_per_node=2, p=0.5, q=2.0, batch_size=100, seed=5)
    a = list(RandomWalkLoader(actors, walk_group=walk_group, **kw))
    b = list(RandomWalkLoader(relabelled(graph, store4), **kw))
    assert len(a) == len(b) == -(-graph.num_nodes // 100)
    assert sum(x.walks.shape[0] for x in a) == 2 * graph.num_nodes
    for x, y in zip(a, b):
        assert torch.equal(x.walks, y.walks) and torch.equal(x.pos_rw, y.pos_rw)
        assert x.neg_rw.shape == y.neg_rw.shape


def test_a_server_killed_mid_round_is_replaced_and_the_batch_finishes(actors, store4, graph,
                                                                     wait_until_dead):
    start = np.arange(graph.num_nodes)
    expected = _in_process(relabelled(graph, store4), start, 10, 0.5, 2.0, 8)
    calls = {"rounds": 0}

    def exchange(messages):
        calls["rounds"] += 1
        if calls["rounds"] == 3:  # the round goes out to a server that is gone
            victim = actors.servers[1]
            ray.kill(victim, no_restart=True)
            wait_until_dead(lambda: ray.get(victim.ping.remote()))
        return actors.walk_round(messages)

    before = actors.launcher.relaunches
    walks, _ = walk_rounds(exchange, actors.owner, start, 10, 0.5, 2.0, seed=8)
    assert actors.launcher.relaunches == before + 1
    assert np.array_equal(walks, expected)  # every step written once, none lost


def _message(**over):
    msg = {"server": 0, "round": 7, "num_walks": 2, "walk_length": 5, "inv_p": 1.0, "inv_q": 1.0,
           "wid": np.array([0, 1]), "step": np.array([0, 0]), "cur": np.array([0, 1]),
           "prev": np.array([-1, -1]), "state": np.array([1, 2], np.uint64), "qx": np.zeros(2, np.int64),
           "qh": np.zeros(2), "qans": np.full(2, -1, np.int8), "query_t": np.zeros(0, np.int64),
           "query_x": np.zeros(0, np.int64)}
    msg.update(over)
    return msg


def test_bad_ids_in_a_message_name_the_server_and_round(actors):
    first = int(actors.node_ranges[1]) - 1  # held by server 0
    with pytest.raises(RemoteCallError, match=r"shard server 0 .*walk round 7: walker ids must be in \[0, 2\), got 5"):
        actors.walk_round({0: _message(wid=np.array([0, 5]), cur=np.array([0, first]))})
    with pytest.raises(RemoteCallError, match=r"walk round 7: current vertex ids must be in .* got -3"):
        actors.walk_round({0: _message(cur=np.array([0, -3]))})
    with pytest.raises(RemoteCallError, match=r"walk round 7: cur \d+ is not held here"):
        actors.walk_round({0: _message(cur=np.array([0, actors.num_nodes - 1]))})
