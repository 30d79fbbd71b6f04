import math

import pytest
import torch

from distgnn.nn import PNAConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 3, 3]])
DEG = torch.tensor([1, 2, 1, 3])  # histogram: degrees 0..3
AGGRS = ["sum", "mean", "min", "max", "var", "std"]
SCALERS = ["identity", "amplification", "attenuation", "linear", "inverse_linear"]


def _adj(edge_index, size, value=None):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value, sparse_sizes=size)


def _reference(conv, x, edge_index, edge_attr=None):
    n, T, F_in = x.size(0), conv.towers, conv.F_in
    xt = x.view(n, T, F_in) if conv.divide_input else x.view(n, 1, F_in).repeat(1, T, 1)
    total = 7.0
    avg_lin = (0 * 1 + 1 * 2 + 2 * 1 + 3 * 3) / total
    avg_log = (math.log(1) * 1 + math.log(2) * 2 + math.log(3) * 1 + math.log(4) * 3) / total
    rows = []
    for i in range(n):
        ids = [e for e in range(edge_index.size(1)) if edge_index[1, e] == i]
        towers = []
        for t in range(T):
            msgs = []
            for e in ids:
                j = int(edge_index[0, e])
                parts = [xt[i, t], xt[j, t]]
                if edge_attr is not None:
                    parts.append(conv.edge_encoder(edge_attr[e]))
                msgs.append(conv.pre_nns[t](torch.cat(parts)))
            if msgs:
                m = torch.stack(msgs)
                var = (m * m).mean(0) - m.mean(0) ** 2
                stats = {"sum": m.sum(0), "mean": m.mean(0), "min": m.min(0).values,
                         "max": m.max(0).values, "var": var,
                         "std": torch.sqrt(torch.relu(var) + 1e-5)}
            else:
                z = torch.zeros(F_in)
                stats = {"sum": z, "mean": z, "min": z, "max": z, "var": z,
                         "std": torch.full((F_in,), math.sqrt(1e-5))}
            agg = torch.cat([stats[a] for a in conv.aggregators])
            d = max(len(ids), 1)
            scale = {"identity": 1.0, "amplification": math.log(d + 1) / avg_log,
                     "attenuation": avg_log / math.log(d + 1), "linear": d / avg_lin,
                     "inverse_linear": avg_lin / d}
            scaled = torch.cat([agg * scale[s] for s in conv.scalers])
            towers.append(conv.post_nns[t](torch.cat([xt[i, t], scaled])))
        rows.append(conv.lin(torch.cat(towers)))
    return torch.stack(rows)


def test_pna_conv_formula_by_hand():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    conv = PNAConv(8, 16, AGGRS, SCALERS, DEG, towers=2, pre_layers=2, post_layers=2)
    assert repr(conv) == "PNAConv(8, 16, towers=2, edge_dim=None)"
    out = conv(x, EDGE_INDEX)
    assert torch.allclose(out, _reference(conv, x, EDGE_INDEX), atol=1e-4)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4))), out, atol=1e-4)


def test_pna_conv_edge_dim_divide_input():
    torch.manual_seed(1)
    x, e = torch.randn(4, 8), torch.randn(6, 3)
    conv = PNAConv(8, 8, ["mean", "max", "std"], ["identity", "linear"], DEG, edge_dim=3,
                   towers=2, divide_input=True)
    assert conv.F_in == 4 and conv.F_out == 4
    out = conv(x, EDGE_INDEX, e)
    assert torch.allclose(out, _reference(conv, x, EDGE_INDEX, e), atol=1e-4)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-4)


def test_pna_conv_average_degrees():
    conv = PNAConv(4, 4, ["sum"], ["identity"], DEG)
    assert conv.avg_deg["lin"] == pytest.approx(13 / 7)
    assert conv.avg_deg["log"] == pytest.approx(
        (2 * math.log(2) + math.log(3) + 3 * math.log(4)) / 7)


def test_pna_conv_input_errors():
    with pytest.raises(ValueError, match="aggregator 'median'"):
        PNAConv(4, 4, ["median"], ["identity"], DEG)
    with pytest.raises(ValueError, match="scaler 'log'"):
        PNAConv(4, 4, ["sum"], ["log"], DEG)
    with pytest.raises(ValueError, match="divisible by towers"):
        PNAConv(4, 6, ["sum"], ["identity"], DEG, towers=4)
    with pytest.raises(ValueError, match="in_channels"):
        PNAConv(6, 8, ["sum"], ["identity"], DEG, towers=4, divide_input=True)
    conv = PNAConv(4, 4, ["sum"], ["identity"], DEG)
    with pytest.raises(ValueError, match="edge_dim is None"):
        conv(torch.randn(4, 4), EDGE_INDEX, torch.randn(6, 2))
    with pytest.raises(ValueError, match=r"\[num_nodes, 4\]"):
        conv(torch.randn(4, 5), EDGE_INDEX)


def test_pna_conv_gradcheck():
    torch.manual_seed(2)
    conv = PNAConv(2, 2, ["mean", "max", "std"], ["identity", "amplification"], DEG,
                   edge_dim=2, pre_layers=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    e = torch.randn(6, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: conv(a, EDGE_INDEX, b), (x, e))


def test_pna_conv_jit():
    x, e = torch.randn(4, 8), torch.randn(6, 3)
    conv = PNAConv(8, 16, AGGRS, SCALERS, DEG, edge_dim=3, towers=4, pre_layers=2)
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX, e)
    assert torch.allclose(jit(x, EDGE_INDEX, e), out, atol=1e-5)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-5)
