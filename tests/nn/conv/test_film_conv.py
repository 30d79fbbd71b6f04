import pytest
import torch

from distgnn.nn.conv import FiLMConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0, 2], [1, 0, 1, 1, 2, 3]])
EDGE_TYPE = torch.tensor([0, 1, 1, 0, 0, 1])


def reference(conv, x, edge_type):
    C = conv.out_channels
    beta, gamma = conv.film_skip(x).split(C, dim=-1)
    out = torch.relu(gamma * conv.lin_skip(x) + beta)
    for r, (lin, film) in enumerate(zip(conv.lins, conv.films)):
        beta, gamma = film(x).split(C, dim=-1)
        msgs = {}
        for e, (j, i) in enumerate(EDGE_INDEX.t().tolist()):
            if edge_type is None or edge_type[e] == r:
                msgs.setdefault(i, []).append(torch.relu(gamma[i] * lin(x[j]) + beta[i]))
        for i, m in msgs.items():
            out[i] = out[i] + torch.stack(m).mean(0)
    return out


@pytest.mark.parametrize("num_relations", [1, 2])
def test_film_conv_formula_and_sparse(num_relations):
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    conv = FiLMConv(3, 5, num_relations=num_relations)
    et = EDGE_TYPE if num_relations > 1 else None
    out = conv(x, EDGE_INDEX, et)
    assert torch.allclose(out, reference(conv, x, et), atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=et, sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)


def test_film_conv_bipartite_repr_errors():
    x_src, x_dst = torch.randn(4, 3), torch.randn(2, 6)
    ei = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = FiLMConv((3, 6), 4, num_relations=2)
    assert conv((x_src, x_dst), ei, torch.tensor([0, 1, 0, 1])).shape == (2, 4)
    assert repr(conv) == "FiLMConv((3, 6), 4, num_relations=2)"
    with pytest.raises(ValueError, match="edge_type"):
        conv((x_src, x_dst), ei)
    with pytest.raises(ValueError, match="num_relations"):
        FiLMConv(3, 4, num_relations=0)


def test_film_conv_grad_jit():
    conv = FiLMConv(2, 2, num_relations=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX, EDGE_TYPE), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, EDGE_TYPE), conv(x, EDGE_INDEX, EDGE_TYPE))


def test_film_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 3)
    conv = FiLMConv(3, 5, num_relations=2)
    ref = pyg.FiLMConv(3, 5, num_relations=2)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, EDGE_INDEX, EDGE_TYPE), ref(x, EDGE_INDEX, EDGE_TYPE),
                          atol=1e-5)
