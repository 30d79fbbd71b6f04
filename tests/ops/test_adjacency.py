import gc

import torch

from distgnn import ops

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 3, 2]])


def dense(adj):
    return adj.to_dense()


def test_adj_t_matches_edges_and_values():
    w = torch.arange(1.0, 7.0)
    adj = ops.adj_t_from_edge_index(EDGE_INDEX, 4, 4, w)
    expected = torch.zeros(4, 4)
    expected[EDGE_INDEX[1], EDGE_INDEX[0]] = w
    assert torch.equal(dense(adj), expected)


def test_cached_adj_t_builds_on_second_sight_and_follows_in_place_edits():
    ops.clear_adjacency_cache()
    edge_index = EDGE_INDEX.clone()
    assert ops.cached_adj_t(edge_index, 4, 4) is None  # first sight: not worth a sort
    first = ops.cached_adj_t(edge_index, 4, 4)
    assert first is not None
    assert ops.cached_adj_t(edge_index, 4, 4).storage.rowptr() is first.storage.rowptr()
    edge_index[0, 0] = 3  # an in-place edit invalidates the structure
    rebuilt = ops.cached_adj_t(edge_index, 4, 4)
    assert rebuilt is None or dense(rebuilt)[1, 3] == 1
    again = ops.cached_adj_t(edge_index, 4, 4)
    assert dense(again)[1, 3] == 1 and dense(again)[1, 0] == 0


def test_cache_entries_die_with_the_tensor():
    ops.clear_adjacency_cache()
    edge_index = EDGE_INDEX.clone()
    ops.adj_t_from_edge_index(edge_index, 4, 4)
    from distgnn.ops.adjacency import _CACHE
    assert len(_CACHE) == 1
    del edge_index
    gc.collect()
    assert len(_CACHE) == 0


def test_add_remaining_loops_keeps_old_loop_weights_and_is_stable():
    w = torch.arange(1.0, 7.0)
    out, weight = ops.add_remaining_loops(EDGE_INDEX, w, 9.0, 4)
    # non-loop edges first, then one loop per node; node 2's loop keeps its weight 6
    assert torch.equal(out[:, :5], EDGE_INDEX[:, :5])
    assert out[:, 5:].tolist() == [[0, 1, 2, 3], [0, 1, 2, 3]]
    assert weight.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 9.0, 6.0, 9.0]
    # a duplicated loop still gives a single loop
    doubled = torch.cat([EDGE_INDEX, torch.tensor([[2], [2]])], dim=1)
    out_d, _ = ops.add_remaining_loops(doubled, torch.ones(7), 1.0, 4)
    assert int((out_d[0] == out_d[1]).sum()) == 4
    out2, weight2 = ops.add_remaining_loops(EDGE_INDEX, w * 2, 9.0, 4)
    assert out2 is out  # same tensor: downstream structure caches hit
    assert weight2[7].item() == 12.0
    scripted = torch.jit.script(ops.add_remaining_loops)
    s_out, s_weight = scripted(EDGE_INDEX, w, 9.0, 4)
    assert torch.equal(s_out, out) and torch.equal(s_weight, weight)


def test_structure_keeps_edge_order_so_spmm_equals_gather_scatter_bitwise():
    """Within a target the CSR keeps edge_index order, and within a source the CSC
    (read by the backward pass) too: the same additions in the same order."""
    torch.manual_seed(0)
    n, e = 200, 5000
    edge_index = torch.randint(0, n, (2, e))
    w = torch.rand(e)
    adj = ops.adj_t_from_edge_index(edge_index, n, n, w)
    assert torch.equal(adj.storage.row(), torch.sort(edge_index[1], stable=True)[0])
    for reduce in ("sum", "mean"):
        x1 = torch.randn(n, 16, requires_grad=True)
        x2 = x1.detach().clone().requires_grad_()
        fused = ops.spmm(adj, x1, reduce=reduce)
        unfused = ops.scatter(x2[edge_index[0]] * w.view(-1, 1), edge_index[1], 0, n, reduce)
        assert torch.equal(fused, unfused)
        g = torch.randn(n, 16)
        assert torch.equal(torch.autograd.grad(fused, x1, g)[0],
                           torch.autograd.grad(unfused, x2, g)[0])
