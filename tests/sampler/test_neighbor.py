"""Neighbour sampling against its definition (no Ray)."""
import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from distgnn.data import Data
from distgnn.sampler import NeighborLoader, in_csr
from distgnn.sampler.neighbor import sample_rows

from sampler_helpers import edge_set


def _check_batch(batch, data, fanouts, replace=False):
    ei = data.edge_index
    edges = edge_set(ei)
    deg = torch.bincount(ei[1], minlength=data.num_nodes)
    n_id = batch.n_id
    assert len(set(n_id.tolist())) == n_id.numel()
    assert len(batch.blocks) == len(fanouts)
    # blocks run outermost hop first; the innermost block's targets are the seeds
    for block, fanout in zip(batch.blocks, fanouts[::-1]):
        (src, dst), size = block.edge_index, block.size
        assert src.max() < size[0] and dst.max() < size[1] and size[1] <= size[0]
        gsrc, gdst = n_id[src], n_id[dst]
        assert all(e in edges for e in zip(gsrc.tolist(), gdst.tolist()))
        assert torch.equal(ei[0, block.e_id], gsrc) and torch.equal(ei[1, block.e_id], gdst)
        per_target = torch.bincount(dst, minlength=size[1])
        d = deg[n_id[:size[1]]]
        want = d if fanout < 0 else (torch.where(d > 0, fanout, 0) if replace else d.clamp(max=fanout))
        assert torch.equal(per_target, want)
        if not replace:
            assert block.e_id.unique().numel() == block.e_id.numel()
    assert batch.blocks[-1].size[1] == batch.batch_size


@pytest.mark.parametrize("replace", [False, True])
def test_fanouts_edges_and_seeds(graph, replace):
    fanouts = [5, 3, -1][: 2 + int(not replace)]
    loader = NeighborLoader(graph, fanouts, batch_size=32, input_nodes="train_mask", shuffle=True,
                            replace=replace, seed=1)
    seen = []
    for batch in loader:
        _check_batch(batch, graph, fanouts, replace)
        assert torch.equal(batch.x, graph.x[batch.n_id])
        assert torch.equal(batch.y, graph.y[batch.n_id[:batch.batch_size]])
        seen.append(batch.n_id[:batch.batch_size])
    assert torch.equal(torch.cat(seen).sort().values, graph.train_mask.nonzero().view(-1))


def test_reproducible_with_seed(graph):
    def run(seed):
        return [b.n_id for b in NeighborLoader(graph, [4, 4], batch_size=50, shuffle=True, seed=seed)]
    a, b, c = run(7), run(7), run(8)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    ca, cc = torch.cat(a), torch.cat(c)
    assert ca.shape != cc.shape or not torch.equal(ca, cc)


def test_unpacks_like_pyg17(graph):
    batch = NeighborLoader(graph, [3, 2], batch_size=8, seed=0).sample(torch.arange(8))
    batch_size, n_id, adjs = batch
    assert batch_size == 8 and torch.equal(n_id[:8], torch.arange(8))
    edge_index, e_id, size = adjs[0]
    assert size == adjs[0].size and edge_index.size(0) == 2


def test_uniform_choice_chi_square():
    # node 0 has 12 in-neighbours; draw 4 of them 3000 times with different seeds
    k, fanout, trials = 12, 4, 3000
    ei = torch.stack([torch.arange(1, k + 1), torch.zeros(k, dtype=torch.long)])
    rowptr, col, eid = in_csr(ei, k + 1)
    rows = np.zeros(1, np.int64)
    hits = np.zeros(k + 1, np.int64)
    pairs = np.zeros((k + 1, k + 1), np.int64)
    for s in range(trials):
        counts, nbr, _ = sample_rows(rowptr, col, eid, rows, rows, fanout, False, s, 0)
        assert counts[0] == fanout and len(set(nbr.tolist())) == fanout
        hits[nbr] += 1
        pairs[nbr[0], nbr[1]] += 1
    assert chisquare(hits[1:]).pvalue > 1e-3
    assert hits.sum() == trials * fanout


def test_bad_input(graph):
    with pytest.raises(ValueError, match="num_neighbors"):
        NeighborLoader(graph, [0.5], batch_size=4)
    with pytest.raises(ValueError, match="batch_size"):
        NeighborLoader(graph, [2], batch_size=0)
    with pytest.raises(ValueError, match="distinct"):
        NeighborLoader(graph, [2], input_nodes=torch.tensor([1, 1]))
    with pytest.raises(ValueError, match=r"input_nodes must be in \[0, 512\)"):
        NeighborLoader(graph, [2], input_nodes=torch.tensor([1, 4096]))
    with pytest.raises(ValueError, match="mask"):
        NeighborLoader(graph, [2], input_nodes="nope_mask")
    with pytest.raises(TypeError, match="Data"):
        NeighborLoader(42, [2])


def test_break_and_restart_is_clean(graph):
    loader = NeighborLoader(graph, [3], batch_size=16, seed=0, prefetch=1)
    first = next(iter(loader))
    for i, _ in enumerate(loader):
        if i == 2:
            break
    again = next(iter(NeighborLoader(graph, [3], batch_size=16, seed=0)))
    assert torch.equal(first.n_id, again.n_id)
    loader.close()


def test_without_edge_ids_the_batches_are_the_same(graph, store4):
    args = dict(batch_size=40, input_nodes="train_mask", shuffle=True, seed=2)
    for source in (graph, store4.path):
        with_ids = list(NeighborLoader(source, [4, 3], **args))
        without = list(NeighborLoader(source, [4, 3], edge_ids=False, **args))
        assert len(with_ids) == len(without) > 1
        for a, b in zip(with_ids, without):
            assert torch.equal(a.n_id, b.n_id) and torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
            for ba, bb in zip(a.blocks, b.blocks):
                assert torch.equal(ba.edge_index, bb.edge_index) and ba.size == bb.size
                assert ba.e_id is not None and bb.e_id is None
