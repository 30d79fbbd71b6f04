"""Random walks against their definition (no Ray)."""
import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from distgnn.sampler import (ShardClient, context_windows, metapath_walk, negative_walks, out_csr,
                             random_walk, skipgram_samples)
from distgnn.sampler.dist_walk import client_walks

from sampler_helpers import edge_set

# t=0 -- v=1; v's neighbours: 0 (return), 2, 3 (also neighbours of t), 4, 5, 6 (farther)
_EDGES = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (4, 7)]


def _triangle_graph():
    e = torch.tensor(_EDGES).t()
    ei = torch.cat([e, e.flip(0)], 1)
    return ei, 8


def _expected(p, q):
    w = {0: 1 / p, 2: 1.0, 3: 1.0, 4: 1 / q, 5: 1 / q, 6: 1 / q}
    z = sum(w.values())
    return {k: v / z for k, v in w.items()}


def _second_steps(walks):
    w = walks[(walks[:, 1] == 1)]
    return np.bincount(w[:, 2].numpy(), minlength=8)


@pytest.mark.parametrize("p,q", [(1.0, 1.0), (0.5, 2.0), (2.0, 0.5), (0.25, 4.0)])
def test_node2vec_transition_frequencies(p, q):
    ei, n = _triangle_graph()
    rowptr, col, _ = out_csr(ei, n)
    walks = random_walk(rowptr, col, torch.zeros(60000, dtype=torch.long), 2, p=p, q=q, seed=3)
    counts = _second_steps(walks)
    exp = _expected(p, q)
    keys = sorted(exp)
    assert counts.sum() == counts[keys].sum()  # only neighbours of v
    f_exp = np.array([exp[k] for k in keys]) * counts.sum()
    assert chisquare(counts[keys], f_exp).pvalue > 1e-3


@pytest.mark.parametrize("p,q", [(1.0, 1.0), (0.25, 4.0)])
def test_client_walks_follow_the_same_law(tmp_path, p, q):
    from distgnn.data import Data
    ei, n = _triangle_graph()
    client = ShardClient.from_data(Data(edge_index=ei, num_nodes=n), torch.tensor([0, 0, 0, 1, 1, 1, 2, 2]))
    new = np.empty(n, np.int64)
    new[client.orig_ids] = np.arange(n)
    walks = client_walks(client, np.full(30000, new[0]), 2, p, q, seed=5)
    walks = torch.from_numpy(client.orig_ids[walks])
    counts = _second_steps(walks)
    exp = _expected(p, q)
    keys = sorted(exp)
    assert counts.sum() == counts[keys].sum()
    assert chisquare(counts[keys], np.array([exp[k] for k in keys]) * counts.sum()).pvalue > 1e-3


@pytest.mark.parametrize("p,q", [(1.0, 1.0), (0.5, 2.0)])
def test_walks_follow_edges_and_reproduce(graph, p, q):
    rowptr, col, _ = out_csr(graph.edge_index, graph.num_nodes)
    start = torch.arange(graph.num_nodes)
    walks = random_walk(rowptr, col, start, 20, p, q, seed=11)
    assert walks.shape == (graph.num_nodes, 21) and torch.equal(walks[:, 0], start)
    edges = edge_set(graph.edge_index)
    deg = np.diff(rowptr)
    for a, b in zip(walks[:, :-1].reshape(-1).tolist(), walks[:, 1:].reshape(-1).tolist()):
        assert (a, b) in edges or (a == b and deg[a] == 0)
    assert torch.equal(walks, random_walk(rowptr, col, start, 20, p, q, seed=11))
    assert not torch.equal(walks, random_walk(rowptr, col, start, 20, p, q, seed=12))


def test_uniform_step_chi_square():
    ei, n = _triangle_graph()
    rowptr, col, _ = out_csr(ei, n)
    walks = random_walk(rowptr, col, torch.ones(20000, dtype=torch.long), 1, seed=0)
    counts = np.bincount(walks[:, 1].numpy(), minlength=n)[[0, 2, 3, 4, 5, 6]]
    assert counts.sum() == 20000 and chisquare(counts).pvalue > 1e-3


def test_metapath_walks():
    # authors 0..2 write papers 0..3; papers appear in venues 0..1
    writes = torch.tensor([[0, 0, 1, 2], [0, 1, 2, 3]])
    venue = torch.tensor([[0, 1, 2], [0, 0, 1]])  # paper 3 has no venue
    csrs = {("author", "writes", "paper"): out_csr(writes, 4)[:2],
            ("paper", "written_by", "author"): out_csr(writes.flip(0), 4)[:2],
            ("paper", "in", "venue"): out_csr(venue, 4)[:2],
            ("venue", "has", "paper"): out_csr(venue.flip(0), 4)[:2]}
    path = [("author", "writes", "paper"), ("paper", "in", "venue"),
            ("venue", "has", "paper"), ("paper", "written_by", "author")]
    walks = metapath_walk(csrs, path, torch.tensor([0, 1, 2]), 8, seed=0)
    rel_edges = {("author", "writes", "paper"): edge_set(writes),
                 ("paper", "in", "venue"): edge_set(venue),
                 ("venue", "has", "paper"): edge_set(venue.flip(0)),
                 ("paper", "written_by", "author"): edge_set(writes.flip(0))}
    for w in walks.tolist():
        for s in range(8):
            if w[s + 1] < 0:
                assert all(x == -1 for x in w[s + 1:])
                break
            assert (w[s], w[s + 1]) in rel_edges[path[s % 4]]
    assert walks[2, 2] == -1  # author 2 -> paper 3, which has no venue
    with pytest.raises(ValueError, match="chain"):
        metapath_walk(csrs, [path[0], path[0]], torch.tensor([0]), 4)
    with pytest.raises(KeyError, match="edge type"):
        metapath_walk(csrs, [("author", "cites", "author")], torch.tensor([0]), 4)


def test_context_windows_and_negatives():
    walks = torch.arange(12).view(2, 6)
    win = context_windows(walks, 3)
    assert win.shape == (8, 3)
    assert win[0].tolist() == [0, 1, 2] and win[1].tolist() == [6, 7, 8] and win[2].tolist() == [1, 2, 3]
    neg = negative_walks(torch.tensor([4, 5]), 5, 100, seed=0)
    assert neg.shape == (2, 6) and neg[:, 0].tolist() == [4, 5] and neg.max() < 100
    pos_rw, neg_rw = skipgram_samples(walks, 100, 3, num_negative_samples=2, seed=0)
    assert pos_rw.shape == (8, 3) and neg_rw.shape == (16, 3)
    assert set(neg_rw[:, 0].tolist()) <= set(range(100))
    with pytest.raises(ValueError, match="context_size"):
        context_windows(walks, 7)


def test_random_walk_bad_input():
    rowptr, col, _ = out_csr(torch.tensor([[0, 1], [1, 0]]), 2)
    with pytest.raises(ValueError, match="start ids must lie in"):
        random_walk(rowptr, col, torch.tensor([5]), 3)
    with pytest.raises(ValueError, match="p and q must be positive"):
        random_walk(rowptr, col, torch.tensor([0]), 3, p=0.0)
    with pytest.raises(TypeError, match="integers"):
        random_walk(rowptr, col, torch.tensor([0.5]), 3)
