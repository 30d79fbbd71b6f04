import pytest
import torch

from distgnn.nn import ClusterGCNConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def _dense_a_hat(edge_index, n, loops=True):
    A = torch.zeros(n, n)
    A[edge_index[1], edge_index[0]] = 1.0  # row = target
    if loops:
        A = A + torch.eye(n)
    return A / A.sum(dim=1, keepdim=True).clamp(min=1)


def test_cluster_gcn_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = ClusterGCNConv(8, 16, diag_lambda=0.5)
    assert repr(conv) == "ClusterGCNConv(8, 16, diag_lambda=0.5)"
    torch.nn.init.normal_(conv.bias)
    out = conv(x, EDGE_INDEX)
    A_hat = _dense_a_hat(EDGE_INDEX, 4)
    P = A_hat + 0.5 * torch.diag(torch.diag(A_hat))
    expected = P @ x @ conv.weight + x @ conv.root_weight + conv.bias
    assert torch.allclose(out, expected, atol=1e-5)
    # explicit numbers: node 1 has in-degree 3, so its row of A_hat is 1/4
    assert torch.allclose(A_hat[1], torch.tensor([0.25, 0.25, 0.25, 0.25]))
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


def test_cluster_gcn_conv_default_lambda_and_existing_loops():
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    conv = ClusterGCNConv(8, 4)  # out < in: transforms before propagating
    with_loop = torch.cat([EDGE_INDEX, torch.tensor([[2], [2]])], dim=1)
    out = conv(x, with_loop)
    expected = _dense_a_hat(EDGE_INDEX, 4) @ x @ conv.weight + x @ conv.root_weight
    assert torch.allclose(out, expected + conv.bias, atol=1e-5)
    assert torch.allclose(conv(x, _adj(with_loop, (4, 4))), out, atol=1e-5)


def test_cluster_gcn_conv_without_self_loops():
    torch.manual_seed(2)
    x = torch.randn(4, 8)
    conv = ClusterGCNConv(8, 16, diag_lambda=1.0, add_self_loops=False, bias=False)
    assert conv.bias is None
    out = conv(x, EDGE_INDEX)
    expected = _dense_a_hat(EDGE_INDEX, 4, loops=False) @ x @ conv.weight \
        + x @ conv.root_weight
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


def test_cluster_gcn_conv_gradcheck():
    conv = ClusterGCNConv(3, 2, diag_lambda=0.3).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: conv(t, EDGE_INDEX), (x,))


def test_cluster_gcn_conv_jit():
    x = torch.randn(4, 8)
    conv = ClusterGCNConv(8, 16, diag_lambda=0.2)
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(jit(x, EDGE_INDEX), out, atol=1e-5)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)
