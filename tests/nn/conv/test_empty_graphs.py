"""The layers that aggregate through ``distgnn.ops.spmm`` on graphs of 0 nodes and of 0 edges,
forward and backward, on an edge_index passed once and again (the second call takes the fused
path on its cached structure) and on a SparseTensor. A graph of 0 nodes stopped the process
with SIGFPE (an integer division by the row count in torch_sparse's kernels)."""
import pytest
import torch

from distgnn.nn import ClusterGCNConv, GCNConv, SAGEConv
from distgnn.typing import SparseTensor

LAYERS = {
    "gcn": lambda: GCNConv(4, 3),
    "gcn_cached": lambda: GCNConv(4, 3, cached=True),
    "gcn_unnormalized": lambda: GCNConv(4, 3, normalize=False),
    "cluster_gcn": lambda: ClusterGCNConv(4, 3),
    "cluster_gcn_lambda": lambda: ClusterGCNConv(4, 3, diag_lambda=0.5),
    "cluster_gcn_no_loops": lambda: ClusterGCNConv(4, 3, add_self_loops=False),
    "sage_mean": lambda: SAGEConv(4, 3),
    "sage_sum": lambda: SAGEConv(4, 3, aggr="sum"),
    "sage_max": lambda: SAGEConv(4, 3, aggr="max"),
}


def _no_edges(num_nodes: int, sparse: bool):
    if sparse:
        empty = torch.zeros(0, dtype=torch.long)
        return SparseTensor(row=empty, col=empty, sparse_sizes=(num_nodes, num_nodes))
    return torch.zeros(2, 0, dtype=torch.long)


def _expected_without_edges(conv, x: torch.Tensor) -> torch.Tensor:
    """By hand: with no edges a node's neighbourhood is itself (the added loop, weight 1 after
    normalisation; ClusterGCN's enhanced by 1 + lambda) or nothing (SAGEConv, no loops)."""
    if isinstance(conv, GCNConv):  # loops only come with the normalisation
        loops = conv.normalize and conv.add_self_loops
        return (x @ conv.weight if loops else torch.zeros(x.size(0), 3)) + conv.bias
    if isinstance(conv, ClusterGCNConv):
        scale = (1.0 + conv.diag_lambda) if conv.add_self_loops else 0.0
        return scale * x @ conv.weight + x @ conv.root_weight + conv.bias
    return conv.lin_l.bias + x @ conv.lin_r.weight.t()


@pytest.mark.parametrize("sparse", [False, True], ids=["edge_index", "sparse_tensor"])
@pytest.mark.parametrize("num_nodes", [0, 3], ids=["0_nodes", "0_edges"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_on_a_graph_without_edges(name, num_nodes, sparse):
    torch.manual_seed(0)
    conv = LAYERS[name]()
    x = torch.randn(num_nodes, 4, requires_grad=True)
    adj = _no_edges(num_nodes, sparse)
    expected = _expected_without_edges(conv, x.detach())
    grads = []
    for _ in range(3):  # the same edge_index again: the fused path on its cached structure
        x.grad = None
        conv.zero_grad()
        out = conv(x, adj)
        assert out.shape == (num_nodes, 3)
        torch.testing.assert_close(out, expected)
        out.sum().backward()
        assert x.grad.shape == (num_nodes, 4)
        grads.append([x.grad.clone()] + [p.grad.clone() for p in conv.parameters()
                                         if p.grad is not None])
    for later in grads[1:]:
        assert all(torch.equal(a, b) for a, b in zip(grads[0], later))


@pytest.mark.parametrize("aggr", ["mean", "sum", "max"])
def test_sage_conv_bipartite_without_sources(aggr):
    """A sampled block whose targets have no sampled neighbours (0 source nodes)."""
    conv = SAGEConv(4, 3, aggr=aggr)
    x_src, x_dst = torch.zeros(0, 4, requires_grad=True), torch.randn(2, 4, requires_grad=True)
    edge_index = torch.zeros(2, 0, dtype=torch.long)
    for _ in range(3):
        out = conv((x_src, x_dst), edge_index, size=(0, 2))
        torch.testing.assert_close(out, conv.lin_l.bias + x_dst @ conv.lin_r.weight.t())
        out.sum().backward()
    assert x_src.grad.shape == (0, 4)
