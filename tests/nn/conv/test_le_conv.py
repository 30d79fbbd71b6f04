import pytest
import torch

from distgnn.nn.conv import LEConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 2, 3]])
WEIGHT = torch.tensor([1.0, 2.0, 0.5, -1.0, 3.0, 1.5])


def reference(conv, x, edge_weight):
    t1, t2, t3 = conv.lin3, conv.lin1, conv.lin2
    out = t1(x).clone()
    for e, (j, i) in enumerate(EDGE_INDEX.t().tolist()):
        w = 1.0 if edge_weight is None else edge_weight[e]
        out[i] = out[i] + w * (t2(x[i]) - t3(x[j]))
    return out


@pytest.mark.parametrize("weighted", [False, True])
def test_le_conv_formula_and_sparse(weighted):
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = LEConv(3, 5)
    w = WEIGHT if weighted else None
    out = conv(x, EDGE_INDEX, w)
    assert torch.allclose(out, reference(conv, x, w), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=w, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)
    conv.aggr = "mean"
    assert torch.allclose(conv(x, adj), conv(x, EDGE_INDEX, w), atol=1e-5)


def test_le_conv_repr_grad_jit():
    conv = LEConv(16, 32)
    assert repr(conv) == "LEConv(16, 32)"
    conv = LEConv(2, 2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX, WEIGHT.double()), (x,))
    jit = torch.jit.script(conv.jittable())
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(jit(x, EDGE_INDEX, None), conv(x, EDGE_INDEX))
    assert torch.allclose(jit(x, adj, None), conv(x, EDGE_INDEX))


def test_le_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv = LEConv(3, 5, bias=False)
    ref = pyg.LEConv(3, 5, bias=False)
    ref.lin3.load_state_dict(conv.lin3.state_dict())
    ref.lin1.load_state_dict(conv.lin2.state_dict())
    ref.lin2.load_state_dict(conv.lin1.state_dict())
    root = conv.lin3(x)
    # The oracle's neighbourhood term is sum e (lin1 x_j - lin2 x_i), the negation.
    assert torch.allclose(conv(x, EDGE_INDEX, WEIGHT) - root,
                          -(ref(x, EDGE_INDEX, WEIGHT) - root), atol=1e-5)
