"""GraphUNet: one level by hand with dense matrices, oracle, gradients, repr."""
import math

import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import GraphUNet

# Path 0-1-2-3-4 (both directions).
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 4], [1, 0, 2, 1, 3, 2, 4, 3]])


def _dense_gcn(conv, x, A):
    """Improved GCN: D^-1/2 (A + 2I) D^-1/2 X W + b, messages j -> i via A[i, j]."""
    A_hat = A.clone()
    A_hat.fill_diagonal_(2.0)
    d = A_hat.sum(1).pow(-0.5)
    return (d.view(-1, 1) * A_hat * d.view(1, -1)) @ (x @ conv.weight) + conv.bias


def test_depth_one_matches_dense_computation():
    torch.manual_seed(0)
    model = GraphUNet(3, 4, 2, depth=1, pool_ratios=0.6)
    x = torch.randn(5, 3)
    A = torch.zeros(5, 5)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = 1.0

    x1 = F.relu(_dense_gcn(model.down_convs[0], x, A))
    A2 = (A + torch.eye(5)) @ (A + torch.eye(5))
    A2.fill_diagonal_(0.0)
    p = model.pools[0].weight.view(-1)
    score = torch.tanh(x1 @ p / p.norm())
    perm = score.topk(math.ceil(0.6 * 5)).indices
    xp = x1[perm] * score[perm].view(-1, 1)
    x2 = F.relu(_dense_gcn(model.down_convs[1], xp, A2[perm][:, perm]))
    up = torch.zeros_like(x1)
    up[perm] = x2
    expected = _dense_gcn(model.up_convs[0], x1 + up, A)
    assert torch.allclose(model(x, EDGE_INDEX), expected, atol=1e-5)


def test_concat_skips_batches_and_gradients():
    torch.manual_seed(0)
    model = GraphUNet(3, 4, 2, depth=2, pool_ratios=[0.8, 0.5], sum_res=False)
    assert model.up_convs[0].in_channels == 8
    x = torch.randn(10, 3)
    edge_index = torch.cat([EDGE_INDEX, EDGE_INDEX + 5], dim=1)
    batch = torch.tensor([0] * 5 + [1] * 5)
    out = model(x, edge_index, batch)
    assert out.shape == (10, 2)
    out.sum().backward()
    assert all(p.grad is not None for p in model.down_convs.parameters())
    assert model.pools[0].weight.grad is not None


def test_repr_and_errors():
    model = GraphUNet(16, 32, 7, depth=3, pool_ratios=0.5)
    assert repr(model) == "GraphUNet(16, 32, 7, depth=3, pool_ratios=[0.5, 0.5, 0.5])"
    with pytest.raises(ValueError, match="depth must be an int >= 1, got 0"):
        GraphUNet(3, 4, 2, depth=0)
    with pytest.raises(ValueError, match=r"one ratio per level \(2\), got 3"):
        GraphUNet(3, 4, 2, depth=2, pool_ratios=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"x must have shape \[num_nodes, 16\], got \[4, 3\]"):
        model(torch.randn(4, 3), EDGE_INDEX[:, :2])


def test_matches_torch_geometric():
    pyg = pytest.importorskip("torch_geometric.nn")
    torch.manual_seed(0)
    ours = GraphUNet(3, 8, 4, depth=2, pool_ratios=[0.7, 0.6])
    theirs = pyg.GraphUNet(3, 8, 4, depth=2, pool_ratios=[0.7, 0.6])
    with torch.no_grad():
        for a, b in zip(list(ours.down_convs) + list(ours.up_convs),
                        list(theirs.down_convs) + list(theirs.up_convs)):
            b.lin.weight.copy_(a.weight.t())
            b.bias.copy_(a.bias)
        for a, b in zip(ours.pools, theirs.pools):
            target = b.select.weight if hasattr(b, "select") else b.weight
            target.copy_(a.weight)
    x = torch.randn(12, 3)
    row = torch.randint(0, 12, (30,))
    col = torch.randint(0, 12, (30,))
    edge_index = torch.cat([torch.stack([row, col]), torch.stack([col, row])], dim=1)
    assert torch.allclose(ours(x, edge_index), theirs(x, edge_index), atol=1e-5)
