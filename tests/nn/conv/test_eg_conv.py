import math

import pytest
import torch

from distgnn.nn import EGConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 3, 3]])
LOOPED = [(0, 1), (1, 0), (2, 1), (3, 1), (0, 3), (2, 3)] + [(i, i) for i in range(4)]


def _adj(edge_index, size):
    return SparseTensor(row=edge_index[1], col=edge_index[0], sparse_sizes=size)


def _reference(conv, x, edges):
    n, H, B = x.size(0), conv.num_heads, conv.num_bases
    A, C = len(conv.aggregators), conv.out_channels
    bases = x @ conv.bases_weight
    deg = torch.zeros(n)
    for _, i in edges:
        deg[i] += 1
    rows = []
    for i in range(n):
        srcs = [j for j, t in edges if t == i]
        m = bases[srcs] if srcs else torch.zeros(1, bases.size(1))
        stats = []
        for a in conv.aggregators:
            if a == "symnorm":
                w = torch.tensor([1 / math.sqrt(deg[i] * deg[j]) for j in srcs])
                stats.append((w.view(-1, 1) * m).sum(0))
            elif a in ("var", "std"):
                var = (m * m).mean(0) - m.mean(0) ** 2
                stats.append(var if a == "var" else torch.sqrt(torch.relu(var) + 1e-5))
            else:
                stats.append({"sum": m.sum(0), "mean": m.mean(0), "max": m.max(0).values,
                              "min": m.min(0).values}[a])
        agg = torch.stack(stats).view(A * B, C // H)          # [A*B, C/H]
        w = conv.comb_weight(x[i]).view(H, A * B)                 # [H, A*B]
        rows.append((w @ agg).view(C))
    out = torch.stack(rows)
    return out if conv.bias is None else out + conv.bias


def test_eg_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = EGConv(8, 16, num_heads=4, num_bases=3)
    assert repr(conv) == "EGConv(8, 16, aggregators=['symnorm'])"
    torch.nn.init.normal_(conv.bias)
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out, _reference(conv, x, LOOPED), atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


@pytest.mark.parametrize("aggrs", [["sum", "mean", "max", "min", "var", "std"],
                                   ["symnorm", "max", "std"]])
def test_eg_conv_multiple_aggregators(aggrs):
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    conv = EGConv(8, 8, aggregators=aggrs, num_heads=2, num_bases=2)
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out, _reference(conv, x, LOOPED), atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)


def test_eg_conv_no_self_loops_cached():
    torch.manual_seed(2)
    x = torch.randn(4, 8)
    conv = EGConv(8, 8, aggregators=["mean", "sum"], num_heads=2, add_self_loops=False,
                  cached=True, bias=False)
    edges = [(int(a), int(b)) for a, b in EDGE_INDEX.t()]
    out = conv(x, EDGE_INDEX)
    expected = _reference(conv, x, edges)  # node 2 has no in-edges: zero aggregates
    assert torch.allclose(expected[2], torch.zeros(8))
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)
    assert conv._cached_edge_index is not None
    # the cached graph is reused even if another one is passed
    assert torch.allclose(conv(x, EDGE_INDEX[:, :1]), out, atol=1e-6)


def test_eg_conv_input_errors():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        EGConv(8, 10, num_heads=4)
    with pytest.raises(ValueError, match="aggregator 'median'"):
        EGConv(8, 8, aggregators=["median"])


def test_eg_conv_gradcheck():
    torch.manual_seed(3)
    conv = EGConv(3, 4, aggregators=["symnorm", "mean", "std"], num_heads=2,
                  num_bases=2).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: conv(t, EDGE_INDEX), (x,))


def test_eg_conv_jit():
    x = torch.randn(4, 8)
    conv = EGConv(8, 16, num_heads=4)
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(jit(x, EDGE_INDEX), out, atol=1e-5)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-5)
