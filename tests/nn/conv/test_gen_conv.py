import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import GENConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])
EPS = 1e-7


def _adj(edge_index, size, value=None):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value, sparse_sizes=size)


def _messages(x, e, edges):
    return {k: F.relu(x[j] + (0 if e is None else e[k])) + EPS for k, (j, _) in enumerate(edges)}


def _aggregate(msgs, edges, n, f, aggr, t=1.0, p=1.0):
    out = torch.zeros(n, f)
    for i in range(n):
        m = torch.stack([msgs[k] for k, (_, d) in enumerate(edges) if d == i]) \
            if any(d == i for _, d in edges) else None
        if m is None:
            if aggr == "power":
                out[i] = torch.full((f,), 1e-7) ** (1 / p)
            continue
        if aggr in ("softmax", "softmax_sg"):
            out[i] = ((t * m).softmax(dim=0) * m).sum(0)
        elif aggr == "power":
            out[i] = (m.clamp(1e-7, 10) ** p).mean(0).clamp(1e-7, 10) ** (1 / p)
        elif aggr == "mean":
            out[i] = m.mean(0)
    return out


@pytest.mark.parametrize("aggr,t,p", [("softmax", 0.7, 1.0), ("softmax_sg", 1.3, 1.0),
                                      ("power", 1.0, 2.5), ("mean", 1.0, 1.0)])
def test_gen_conv_formula_by_hand(aggr, t, p):
    torch.manual_seed(0)
    x, e = torch.randn(4, 8), torch.randn(5, 8)
    conv = GENConv(8, 16, aggr=aggr, t=t, p=p).eval()
    assert repr(conv) == f"GENConv(8, 16, aggr={aggr})"
    out = conv(x, EDGE_INDEX, e)
    edges = [(int(a), int(b)) for a, b in EDGE_INDEX.t()]
    agg = _aggregate(_messages(x, e, edges), edges, 4, 8, aggr, t, p)
    assert torch.allclose(out, conv.mlp(x + agg), atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-5)
    # without edge features
    agg0 = _aggregate(_messages(x, None, edges), edges, 4, 8, aggr, t, p)
    assert torch.allclose(conv(x, EDGE_INDEX), conv.mlp(x + agg0), atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), conv.mlp(x + agg0), atol=1e-5)


def test_gen_conv_mlp_structure():
    conv = GENConv(8, 16, num_layers=3, norm="layer")
    kinds = [type(m).__name__ for m in conv.mlp]
    assert kinds == ["Linear", "LayerNorm", "ReLU", "Dropout",
                     "Linear", "LayerNorm", "ReLU", "Dropout", "Linear"]
    assert conv.mlp[0].out_features == 16 and conv.mlp[4].out_features == 16
    assert [type(m).__name__ for m in GENConv(4, 2, num_layers=1).mlp] == ["Linear"]
    assert type(GENConv(4, 2).mlp[1]).__name__ == "BatchNorm1d"


def test_gen_conv_learnable_and_msg_norm():
    torch.manual_seed(1)
    x, e = torch.randn(4, 8), torch.randn(5, 8)
    conv = GENConv(8, 8, learn_t=True, t=0.5, learn_p=True, p=2.0, msg_norm=True,
                   learn_msg_scale=True).eval()
    assert isinstance(conv.t, torch.nn.Parameter) and isinstance(conv.p, torch.nn.Parameter)
    assert conv.msg_norm.scale.requires_grad
    out = conv(x, EDGE_INDEX, e)
    edges = [(int(a), int(b)) for a, b in EDGE_INDEX.t()]
    agg = _aggregate(_messages(x, e, edges), edges, 4, 8, "softmax", 0.5)
    m = F.normalize(agg, dim=-1) * x.norm(dim=-1, keepdim=True)
    assert torch.allclose(out, conv.mlp(x + m), atol=1e-5)
    out.sum().backward()
    assert conv.t.grad is not None
    with torch.no_grad():
        conv.t.fill_(9.0)
    conv.reset_parameters()
    assert conv.t.item() == 0.5
    # learn_t only applies to the softmax aggregation
    assert GENConv(8, 8, aggr="power", learn_t=True).t == 1.0


def test_gen_conv_bipartite():
    torch.manual_seed(2)
    x_src, x_dst = torch.randn(4, 8), torch.randn(2, 8)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = GENConv(8, 16).eval()
    out = conv((x_src, x_dst), edge_index)
    edges = [(0, 0), (1, 0), (2, 1), (3, 1)]
    agg = _aggregate(_messages(x_src, None, edges), edges, 2, 8, "softmax")
    assert torch.allclose(out, conv.mlp(x_dst + agg), atol=1e-5)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4))), out, atol=1e-5)


def test_gen_conv_input_errors():
    with pytest.raises(ValueError, match="aggr"):
        GENConv(4, 4, aggr="median")
    with pytest.raises(ValueError, match="norm"):
        GENConv(4, 4, norm="group")
    with pytest.raises(ValueError, match="node feature size 4, got 3"):
        GENConv(4, 4)(torch.randn(4, 4), EDGE_INDEX, torch.randn(5, 3))


def test_gen_conv_gradcheck():
    torch.manual_seed(3)
    conv = GENConv(3, 2, t=0.8).double().eval()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    e = torch.randn(5, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: conv(a, EDGE_INDEX, b), (x, e))


def test_gen_conv_jit():
    x, e = torch.randn(4, 8), torch.randn(5, 8)
    conv = GENConv(8, 16, learn_t=True, msg_norm=True).eval()
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX, e)
    assert torch.allclose(jit(x, EDGE_INDEX, e), out, atol=1e-5)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-5)
