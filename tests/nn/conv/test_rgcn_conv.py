import pytest
import torch

from distgnn.nn.conv import FastRGCNConv, RGCNConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 0, 3], [0, 0, 1, 0, 1, 1, 2, 2]])
EDGE_TYPE = torch.tensor([0, 1, 0, 1, 0, 1, 2, 2])


def reference(x_l, x_r, weight, root, bias, edge_index, edge_type, n_dst, aggr="mean"):
    out = x_r @ root + bias
    for i in range(n_dst):
        for r in range(weight.size(0)):
            sel = (edge_index[1] == i) & (edge_type == r)
            if sel.any():
                msgs = x_l[edge_index[0][sel]] @ weight[r]
                out[i] += msgs.mean(0) if aggr == "mean" else msgs.sum(0)
    return out


def copy_params(a, b):
    b.load_state_dict(a.state_dict())


@pytest.mark.parametrize("cls", [RGCNConv, FastRGCNConv])
@pytest.mark.parametrize("kwargs", [{}, {"num_bases": 2}, {"num_blocks": 2}])
def test_rgcn_formula_sparse_and_agreement(cls, kwargs):
    torch.manual_seed(0)
    x = torch.randn(4, 4)
    conv = cls(4, 6, num_relations=3, **kwargs)
    torch.nn.init.normal_(conv.bias)
    out = conv(x, EDGE_INDEX, EDGE_TYPE)
    weight = conv._relation_weight()
    if "num_blocks" in kwargs:
        weight = torch.stack([torch.block_diag(*w) for w in weight])
    ref = reference(x, x, weight, conv.root, conv.bias, EDGE_INDEX, EDGE_TYPE, 4)
    assert torch.allclose(out, ref, atol=1e-5)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], value=EDGE_TYPE,
                       sparse_sizes=(4, 4))
    assert torch.allclose(conv(x, adj), out, atol=1e-5)
    other = (FastRGCNConv if cls is RGCNConv else RGCNConv)(4, 6, 3, **kwargs)
    copy_params(conv, other)
    assert torch.allclose(other(x, EDGE_INDEX, EDGE_TYPE), out, atol=1e-5)


@pytest.mark.parametrize("cls", [RGCNConv, FastRGCNConv])
def test_rgcn_featureless_and_bipartite(cls):
    torch.manual_seed(1)
    conv = cls(4, 3, num_relations=3, aggr="add")
    out = conv(None, EDGE_INDEX, EDGE_TYPE)
    eye = torch.eye(4)
    ref = reference(eye, eye, conv.weight, conv.root, conv.bias, EDGE_INDEX, EDGE_TYPE, 4,
                    aggr="add")
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(conv(torch.arange(4), EDGE_INDEX, EDGE_TYPE), out, atol=1e-5)
    # Bipartite: 4 sources, 3 targets with features of another size.
    conv = cls((4, 5), 3, num_relations=3)
    x_l, x_r = torch.randn(4, 4), torch.randn(3, 5)
    out = conv((x_l, x_r), EDGE_INDEX, EDGE_TYPE)
    ref = reference(x_l, x_r, conv.weight, conv.root, conv.bias, EDGE_INDEX, EDGE_TYPE, 3)
    assert torch.allclose(out, ref, atol=1e-5)


def test_rgcn_errors_repr():
    conv = RGCNConv(4, 32, num_relations=8)
    assert repr(conv) == "RGCNConv(4, 32, num_relations=8)"
    assert repr(FastRGCNConv(4, 32, 8)) == "FastRGCNConv(4, 32, num_relations=8)"
    with pytest.raises(ValueError, match="edge_type"):
        conv(torch.randn(4, 4), EDGE_INDEX)
    with pytest.raises(ValueError, match="num_bases or num_blocks"):
        RGCNConv(4, 4, 2, num_bases=2, num_blocks=2)
    with pytest.raises(ValueError, match="divisible"):
        RGCNConv(4, 5, 2, num_blocks=2)
    with pytest.raises(ValueError, match="float input"):
        RGCNConv(4, 4, 3, num_blocks=2)(None, EDGE_INDEX, EDGE_TYPE)


@pytest.mark.parametrize("cls", [RGCNConv, FastRGCNConv])
def test_rgcn_grad_jit(cls):
    conv = cls(2, 2, num_relations=3, num_bases=2).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, EDGE_INDEX, EDGE_TYPE), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, EDGE_INDEX, EDGE_TYPE), conv(x, EDGE_INDEX, EDGE_TYPE))


@pytest.mark.parametrize("name", ["RGCNConv", "FastRGCNConv"])
def test_rgcn_oracle(name):
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.randn(4, 4)
    conv = RGCNConv(4, 6, num_relations=3, num_bases=2)
    ref = getattr(pyg, name)(4, 6, num_relations=3, num_bases=2)
    ref.load_state_dict(conv.state_dict())
    assert torch.allclose(conv(x, EDGE_INDEX, EDGE_TYPE), ref(x, EDGE_INDEX, EDGE_TYPE),
                          atol=1e-5)
