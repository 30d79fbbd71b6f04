import pytest
import torch

from distgnn.nn.conv import GatedGraphConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 2, 3]])
WEIGHT = torch.tensor([1.0, 2.0, 0.5, -1.0, 3.0, 1.5])


def reference(conv, x, edge_weight):
    h = torch.cat([x, x.new_zeros(x.size(0), conv.out_channels - x.size(1))], dim=1)
    A = torch.zeros(4, 4)
    A[EDGE_INDEX[1], EDGE_INDEX[0]] = edge_weight if edge_weight is not None else 1.0
    for i in range(conv.num_layers):
        m = A @ (h @ conv.weight[i])
        h = conv.rnn(m, h)
    return h


@pytest.mark.parametrize("weighted", [False, True])
def test_gated_graph_conv_formula_and_sparse(weighted):
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = GatedGraphConv(5, num_layers=3)
    w = WEIGHT if weighted else None
    out = conv(x, EDGE_INDEX, w)
    assert out.shape == (4, 5)
    assert torch.allclose(out, reference(conv, x, w), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=w, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)


def test_gated_graph_conv_repr_errors():
    conv = GatedGraphConv(32, num_layers=3)
    assert repr(conv) == "GatedGraphConv(32, num_layers=3)"
    with pytest.raises(ValueError, match="at most 32"):
        conv(torch.randn(4, 33), EDGE_INDEX)


def test_gated_graph_conv_grad_jit():
    conv = GatedGraphConv(3, num_layers=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, None), conv(x, EDGE_INDEX))
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(4, 4))
    assert torch.allclose(jit(x, adj, None), conv(x, EDGE_INDEX))


def test_gated_graph_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv = GatedGraphConv(5, num_layers=2)
    ref = pyg.GatedGraphConv(5, num_layers=2)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, EDGE_INDEX, WEIGHT), ref(x, EDGE_INDEX, WEIGHT), atol=1e-5)
