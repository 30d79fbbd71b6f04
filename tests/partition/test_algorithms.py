import numpy as np
import pytest
import torch

from distgnn.partition import graclus_cluster, partition_graph
from distgnn.partition.graph import build_csr, edge_cut, imbalance

from partition_helpers import cut_edges, grid, two_cliques


@pytest.mark.parametrize("method", ["metis", "graclus"])
def test_two_cliques_optimal_cut(method):
    ei = two_cliques()
    part = partition_graph(ei, 20, 2, method=method)
    assert isinstance(part, torch.Tensor) and part.dtype == torch.long and part.shape == (20,)
    assert cut_edges(ei, part) == 1
    assert len(set(part[:10].tolist())) == 1 and len(set(part[10:].tolist())) == 1


def test_grid_cut_near_optimal_and_balanced():
    ei = grid(40, 40)
    part = partition_graph(ei, 1600, 4).numpy()
    assert cut_edges(ei, part) <= 1.35 * 80  # optimal: two straight cuts of 40
    assert np.bincount(part, minlength=4).max() <= 1.03 * 400


def test_grid_bisection_is_straight_cut():
    ei = grid(20, 30)
    part = partition_graph(ei, 600, 2).numpy()
    assert cut_edges(ei, part) <= 32  # optimal 20


def test_planted_partition_recovered():
    from distgnn.data.generators import planted_partition_edge_index
    ei, blocks = planted_partition_edge_index(4000, 4, avg_degree=12, p_ratio=30, seed=1, return_blocks=True)
    ei, blocks = ei.numpy(), blocks.numpy()
    part = partition_graph(ei, 4000, 4).numpy()
    assert cut_edges(ei, part) <= 1.05 * cut_edges(ei, blocks)
    assert imbalance(np.ones((4000, 1), np.int64), part, 4)[0] <= 1.03 + 1e-9


@pytest.mark.parametrize("method", ["metis", "graclus", "random", "stream"])
def test_deterministic_and_balanced(method, small_graph):
    ei, n = small_graph
    a = partition_graph(ei, n, 4, method=method, seed=7)
    b = partition_graph(ei, n, 4, method=method, seed=7)
    assert torch.equal(a, b)
    assert set(a.tolist()) == set(range(4))
    assert np.bincount(a.numpy()).max() <= np.ceil(1.03 * n / 4) + 1


def test_beats_random(small_graph):
    ei, n = small_graph
    r = cut_edges(ei, partition_graph(ei, n, 4, method="random"))
    for method in ("metis", "graclus", "stream"):
        assert cut_edges(ei, partition_graph(ei, n, 4, method=method)) < r


def test_disconnected_isolated_and_directed():
    ei = np.concatenate([two_cliques(), two_cliques()[:, :45] + 40], axis=1)  # + isolated 20..39
    n = 60
    part = partition_graph(ei, n, 3).numpy()
    assert part.shape == (n,) and np.bincount(part, minlength=3).max() <= np.ceil(1.03 * n / 3) + 1
    one_way = ei[:, ei[0] < ei[1]]
    both = np.concatenate([one_way, one_way[::-1]], axis=1)
    g1, g2 = build_csr(one_way, n), build_csr(both, n)
    assert np.array_equal(g1.xadj, g2.xadj)


def test_edge_weights_are_honoured():
    # a 4-cycle 0-1-2-3-0: heavy edges (0,1) and (2,3) must stay inside parts
    ei = np.array([[0, 1, 2, 3], [1, 2, 3, 0]])
    w = torch.tensor([100.0, 1.0, 100.0, 1.0])
    part = partition_graph(ei, 4, 2, edge_weight=w).numpy()
    assert part[0] == part[1] and part[2] == part[3] and part[0] != part[2]


def test_multi_constraint_spreads_training_nodes():
    from distgnn.data.generators import planted_partition_edge_index
    ei, blocks = planted_partition_edge_index(3000, 4, avg_degree=10, seed=0, return_blocks=True)
    ei, blocks = ei.numpy(), blocks.numpy()
    train = (blocks == 0).astype(np.int64)  # all training nodes in one block
    w = np.stack([np.ones(3000, np.int64), train], axis=1)
    part = partition_graph(ei, 3000, 4, node_weight=w, imbalance=0.05).numpy()
    per = np.bincount(part, weights=train, minlength=4)
    assert per.max() <= 1.06 * train.sum() / 4
    assert np.bincount(part, minlength=4).max() <= 1.06 * 750


def test_k_equals_one_and_n():
    ei = two_cliques()
    assert partition_graph(ei, 20, 1).eq(0).all()
    assert sorted(partition_graph(ei, 20, 20).tolist()) == list(range(20))


def test_graclus_cluster_pairs_neighbours():
    ei = grid(6, 6)
    c = graclus_cluster(torch.from_numpy(ei), num_nodes=36).numpy()
    assert c.shape == (36,) and (c <= np.arange(36)).all()
    g = build_csr(ei, 36)
    for u in range(36):
        if c[u] != u:  # u joined the cluster of its smaller neighbour c[u]
            assert c[u] in g.adjncy[g.xadj[u]:g.xadj[u + 1]]
    assert np.bincount(c).max() <= 2 and len(np.unique(c)) < 30
    rowptr = torch.from_numpy(g.xadj)
    c2 = graclus_cluster(rowptr=rowptr, col=torch.from_numpy(g.adjncy)).numpy()
    assert np.bincount(c2).max() <= 2


def test_edge_cut_helper_matches_count():
    ei = two_cliques()
    g = build_csr(ei, 20)
    part = np.array([0] * 10 + [1] * 10)
    assert edge_cut(g, part) == 1


def test_restreaming_cuts_less_than_one_pass_and_reads_the_edges_again():
    from distgnn.data.generators import planted_partition_edge_index
    from distgnn.partition.stream import STREAM_PASSES, stream_partition_chunks
    ei = planted_partition_edge_index(4000, 8, avg_degree=8, p_ratio=8, seed=2).numpy()
    cuts = {}
    for passes in (1, 3):
        part = partition_graph(ei, 4000, 8, method="stream", seed=1, passes=passes).numpy()
        assert np.bincount(part, minlength=8).max() <= np.ceil(1.03 * 4000 / 8)
        cuts[passes] = cut_edges(ei, part)
    assert cuts[3] < 0.95 * cuts[1], cuts
    assert STREAM_PASSES == 3 and torch.equal(partition_graph(ei, 4000, 8, method="stream", seed=1),
                                              partition_graph(ei, 4000, 8, method="stream", seed=1, passes=3))
    reads = []
    chunks = lambda: reads.append(1) or iter([ei[:, :5000], ei[:, 5000:]])  # noqa: E731
    stream_partition_chunks(chunks, 4000, 8, passes=2)
    assert len(reads) == 2
    with pytest.raises(ValueError, match="passes=3 reads the edges 3 times: give chunks as a function"):
        stream_partition_chunks(iter([ei]), 4000, 8)
    with pytest.raises(ValueError, match="passes must be an int >= 1, got 0"):
        partition_graph(ei, 4000, 8, method="stream", passes=0)
