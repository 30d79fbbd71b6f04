import pytest
import torch
from torch.nn import Linear, ReLU

from distgnn.nn import SAGEConv, Sequential

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def test_sequential_matches_manual_composition():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    model = Sequential("x, edge_index", [
        (SAGEConv(8, 16), "x, edge_index -> x"),
        ReLU(inplace=True),
        (SAGEConv(16, 16), "x, edge_index > x"),  # the '>' spelling is accepted too
        Linear(16, 3),
    ])
    conv1, _, conv2, lin = list(model.children())
    expected = lin(conv2(conv1(x, EDGE_INDEX).relu(), EDGE_INDEX))
    assert torch.allclose(model(x, EDGE_INDEX), expected, atol=1e-6)
    assert sum(p.numel() for p in model.parameters()) == sum(
        p.numel() for m in (conv1, conv2, lin) for p in m.parameters())


def test_sequential_named_intermediates_and_lambdas():
    x = torch.randn(4, 8)
    conv1, conv2 = SAGEConv(8, 4), SAGEConv(4, 4)
    model = Sequential("x, edge_index, batch", [
        (conv1, "x, edge_index -> x1"),
        (conv2, "x1, edge_index -> x2"),
        (lambda x1, x2: [x1, x2], "x1, x2 -> xs"),
        (lambda xs: torch.cat(xs, dim=-1), "xs -> x"),
        (lambda x, batch: x.sum(0, keepdim=True) + batch.sum(), "x, batch -> x"),
    ])
    x1 = conv1(x, EDGE_INDEX)
    expected = torch.cat([x1, conv2(x1, EDGE_INDEX)], -1).sum(0, keepdim=True)
    assert torch.allclose(model(x, EDGE_INDEX, torch.zeros(4)), expected, atol=1e-6)


def test_sequential_multiple_outputs():
    model = Sequential("a", [(lambda a: (a + 1, a * 2), "a -> b, c"),
                             (lambda b, c: b - c, "b, c -> d")])
    assert model(torch.tensor(3.0)).item() == -2.0


@pytest.mark.parametrize("header,match", [
    ("x, edge_index", "function header"),
    ("x -> 1y", "identifiers"),
])
def test_sequential_bad_headers(header, match):
    with pytest.raises(ValueError, match=match):
        Sequential("x, edge_index", [(ReLU(), header)])


def test_sequential_unknown_variable():
    model = Sequential("x", [(ReLU(), "y -> x")])
    with pytest.raises(KeyError, match="needs \\['y'\\]"):
        model(torch.zeros(1))
