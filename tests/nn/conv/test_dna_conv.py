import math

import pytest
import torch

from distgnn.nn.conv import DNAConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 0], [1, 0, 2, 1, 3, 2, 3]])


def grouped(lin, src):
    g = lin.groups
    blocks = torch.block_diag(*lin.weight) if g > 1 else lin.weight[0]
    return src @ blocks + lin.bias


def reference(conv, x):
    n, L, C = x.shape
    mh = conv.multi_head
    H, d = mh.heads, C // mh.heads
    A = torch.eye(n)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = 1.0
    deg = A.sum(1)
    out = torch.zeros(n, C)
    for i in range(n):
        for j in range(n):
            if A[i, j] == 0:
                continue
            q = grouped(mh.lin_q, x[i, -1]).view(H, d)
            k = grouped(mh.lin_k, x[j]).view(L, H, d)
            v = grouped(mh.lin_v, x[j]).view(L, H, d)
            score = torch.einsum("hd,lhd->hl", q, k) / math.sqrt(d)
            att = torch.cat([score, torch.zeros(H, 1)], -1).softmax(-1)[:, :-1]
            msg = torch.einsum("hl,lhd->hd", att, v).reshape(C)
            out[i] += msg / math.sqrt(deg[i] * deg[j])
    return out


@pytest.mark.parametrize("heads,groups", [(1, 1), (2, 2), (4, 2)])
def test_dna_conv_formula_and_sparse(heads, groups):
    torch.manual_seed(0)
    x = torch.randn(4, 3, 8)
    conv = DNAConv(8, heads=heads, groups=groups)
    out = conv(x, EDGE_INDEX)
    assert out.shape == (4, 8)
    assert torch.allclose(out, reference(conv, x), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)


def test_dna_conv_repr_errors():
    conv = DNAConv(32, heads=2, groups=4)
    assert repr(conv) == "DNAConv(32, heads=2, groups=4)"
    with pytest.raises(ValueError, match="num_layers"):
        conv(torch.randn(4, 32), EDGE_INDEX)
    with pytest.raises(ValueError, match="heads"):
        DNAConv(30, heads=4)
    with pytest.raises(ValueError, match="groups"):
        DNAConv(30, groups=4)


def test_dna_conv_grad_jit():
    conv = DNAConv(4, heads=2).double()
    x = torch.randn(4, 2, 4, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, None), conv(x, EDGE_INDEX))


def test_dna_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3, 8)
    conv = DNAConv(8, heads=2, groups=2)
    ref = pyg.DNAConv(8, heads=2, groups=2)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, EDGE_INDEX), ref(x, EDGE_INDEX), atol=1e-5)
