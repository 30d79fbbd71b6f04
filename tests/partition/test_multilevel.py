"""Multilevel k-way internals: coarsening, isolated vertices, refinement rounds, quality on R-MAT."""
import numpy as np
import pytest
import torch

from distgnn.partition import partition_graph
from distgnn.partition.coarsen import coarsen, match
from distgnn.partition.graph import build_csr, edge_cut, imbalance
from distgnn.partition.refine import kway_refine, max_part_weights

from partition_helpers import cut_edges, grid, two_cliques


def _rmat(scale: int, seed: int = 0):
    from distgnn.data.generators import rmat_edge_index
    return rmat_edge_index(scale, 16, seed=seed).numpy(), 1 << scale


def test_isolated_vertices_are_paired_by_matching():
    ei = np.array([[0], [1]], np.int64)  # vertices 2..9 have no neighbours
    g = build_csr(ei, 10)
    mt = match(g, 0, two_hop=0.1)
    assert mt[0] == 1 and mt[1] == 0
    iso = np.arange(2, 10)
    assert np.all(mt[iso] != iso) and np.all(np.isin(mt[iso], iso)) and np.all(mt[mt] == np.arange(10))
    mt = match(g, 0, two_hop=False)  # graclus clustering: no pairs without an edge
    assert np.all(mt[iso] == iso)


def test_two_hop_only_when_matching_stalls():
    star = np.stack([np.zeros(8, np.int64), np.arange(1, 9)])  # leaves only share the hub
    g = build_csr(star, 9)
    assert (match(g, 0, two_hop=2.0) == np.arange(9)).sum() == 7
    mt = match(g, 0, two_hop=0.1)
    assert (mt == np.arange(9)).sum() <= 1 and np.all(mt[mt] == np.arange(9))


def test_coarsening_shrinks_power_law_graph():
    ei, n = _rmat(12)
    g = build_csr(ei, n)
    keep = np.diff(g.xadj) > 0
    from distgnn.partition.initial import _subgraph
    graphs, maps = coarsen(_subgraph(g, keep), 200, 0)
    assert graphs[-1].num_nodes <= max(400, keep.sum() // 8)
    for fine, coarse, cmap in zip(graphs, graphs[1:], maps):
        assert cmap.shape == (fine.num_nodes,) and cmap.max() == coarse.num_nodes - 1
        assert coarse.vwgt.sum() == fine.vwgt.sum()


def test_isolated_vertices_fill_parts_evenly():
    ei = two_cliques()  # 20 connected vertices, 60 without neighbours: both cliques fit in one part
    part = partition_graph(ei, 80, 2).numpy()
    assert cut_edges(ei, part) == 0
    assert np.bincount(part, minlength=2).max() <= np.floor(1.03 * 40)
    part = partition_graph(np.zeros((2, 0), np.int64), 50, 4).numpy()
    assert np.bincount(part, minlength=4).max() <= 13


@pytest.mark.parametrize("k", [4, 8])
def test_refinement_rounds_never_raise_cut_and_keep_balance(k):
    ei, n = _rmat(11, seed=3)
    g = build_csr(ei, n)
    rng = np.random.default_rng(0)
    maxpw = max_part_weights(g.vwgt, np.full(k, 1.0 / k), 0.03)
    start = rng.permutation(np.arange(n) % k).astype(np.int64)
    plain = kway_refine(g, start.copy(), k, maxpw, 4, 1)
    rounds = kway_refine(g, plain.copy(), k, maxpw, 4, 1, relax=0.3, rounds=5)
    assert edge_cut(g, rounds) <= edge_cut(g, plain) < edge_cut(g, start)
    assert np.all(np.bincount(rounds, minlength=k) <= maxpw[:, 0])


def test_rmat_deterministic_per_seed_and_balanced():
    ei, n = _rmat(12, seed=1)
    a = partition_graph(ei, n, 8, seed=5)
    b = partition_graph(ei, n, 8, seed=5)
    c = partition_graph(ei, n, 8, seed=6)
    assert torch.equal(a, b)
    for p in (a, c):
        assert np.bincount(p.numpy(), minlength=8).max() <= np.floor(1.03 * n / 8)


@pytest.mark.parametrize("k", [4, 16])
def test_rmat_cut_not_worse_than_metis(k):
    pymetis = pytest.importorskip("pymetis")
    ei, n = _rmat(13)
    g = build_csr(ei, n)
    _, ref = pymetis.part_graph(k, adjacency=pymetis.CSRAdjacency(g.xadj, g.adjncy))
    ref_cut = edge_cut(g, np.asarray(ref, np.int64))
    part = partition_graph(ei, n, k).numpy()
    assert edge_cut(g, part) <= 1.05 * ref_cut
    assert imbalance(g.vwgt, part, k)[0] <= 1.03 + 1e-9


def test_grid_cut_close_to_metis():
    pymetis = pytest.importorskip("pymetis")
    ei = grid(100, 100)
    g = build_csr(ei, 10000)
    _, ref = pymetis.part_graph(16, adjacency=pymetis.CSRAdjacency(g.xadj, g.adjncy))
    part = partition_graph(ei, 10000, 16).numpy()
    assert edge_cut(g, part) <= 1.25 * edge_cut(g, np.asarray(ref, np.int64))


def test_isolated_room_off_balances_connected_vertices():
    ei, n = _rmat(12)
    g = build_csr(ei, n)
    core = np.diff(g.xadj) > 0
    part = partition_graph(ei, n, 4, isolated_room=False).numpy()
    assert np.bincount(part[core], minlength=4).max() <= np.floor(1.03 * core.sum() / 4)
    assert np.bincount(part, minlength=4).max() <= np.floor(1.03 * n / 4)


def test_coarse_levels_on_disk_give_the_same_partition(tmp_path):
    from distgnn.partition.graph import build_csr
    from distgnn.partition.metis import multilevel_kway

    ei, n = _rmat(10, 0)
    g = build_csr(ei, n)
    a = multilevel_kway(g, 8, seed=2)
    b = multilevel_kway(g, 8, seed=2, spill_dir=str(tmp_path), spill_edges=1)
    assert np.array_equal(a, b)
    assert list(tmp_path.iterdir()) == []  # the level files are removed
