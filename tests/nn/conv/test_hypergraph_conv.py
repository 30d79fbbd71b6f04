import pytest
import torch

from distgnn.nn.conv import HypergraphConv

# Hyperedges {0, 1, 2} and {1, 2, 3}; node 4 belongs to none.
HYPEREDGE_INDEX = torch.tensor([[0, 1, 2, 1, 2, 3], [0, 0, 0, 1, 1, 1]])


def incidence(n=5, m=2):
    H = torch.zeros(n, m)
    H[HYPEREDGE_INDEX[0], HYPEREDGE_INDEX[1]] = 1.0
    return H


def test_hypergraph_conv_formula():
    torch.manual_seed(0)
    x = torch.randn(5, 3)
    w = torch.tensor([2.0, 0.5])
    conv = HypergraphConv(3, 4)
    torch.nn.init.normal_(conv.bias)
    out = conv(x, HYPEREDGE_INDEX, w)
    H, W = incidence(), torch.diag(w)
    D = H @ w
    D_inv = torch.where(D > 0, 1.0 / D, torch.zeros_like(D))
    B_inv = 1.0 / H.sum(0)
    ref = torch.diag(D_inv) @ H @ W @ torch.diag(B_inv) @ H.t() @ x @ conv.weight + conv.bias
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(out[4], conv.bias)  # no hyperedge: only the bias
    assert repr(conv) == "HypergraphConv(3, 4)"


@pytest.mark.parametrize("concat", [True, False])
def test_hypergraph_conv_attention(concat):
    torch.manual_seed(1)
    x, e = torch.randn(5, 3), torch.randn(2, 3)
    conv = HypergraphConv(3, 4, use_attention=True, heads=2, concat=concat)
    out = conv(x, HYPEREDGE_INDEX, hyperedge_attr=e)
    H, C = 2, 4
    xw, ew = (x @ conv.weight).view(5, H, C), (e @ conv.weight).view(2, H, C)
    node, edge = HYPEREDGE_INDEX
    a = (torch.cat([xw[node], ew[edge]], -1) * conv.att).sum(-1)
    a = torch.nn.functional.leaky_relu(a, 0.2)
    alpha = torch.zeros_like(a)
    for v in node.unique():
        alpha[node == v] = a[node == v].softmax(0)
    ref = torch.zeros(5, H, C)
    Bsz, Dsz = torch.tensor([3.0, 3.0]), incidence().sum(1)
    edge_feat = torch.zeros(2, H, C)
    for k in range(node.numel()):
        edge_feat[edge[k]] += alpha[k].view(H, 1) * xw[node[k]] / Bsz[edge[k]]
    for k in range(node.numel()):
        ref[node[k]] += alpha[k].view(H, 1) * edge_feat[edge[k]] / Dsz[node[k]]
    ref = ref.reshape(5, H * C) if concat else ref.mean(1)
    assert torch.allclose(out, ref + conv.bias, atol=1e-5)
    with pytest.raises(ValueError, match="hyperedge_attr"):
        conv(x, HYPEREDGE_INDEX)


def test_hypergraph_conv_grad_jit():
    conv = HypergraphConv(2, 2).double()
    x = torch.randn(5, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: conv(x, HYPEREDGE_INDEX), (x,))
    jit = torch.jit.script(conv.jittable())
    assert torch.allclose(jit(x, HYPEREDGE_INDEX, None, None), conv(x, HYPEREDGE_INDEX))


def test_hypergraph_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x, e = torch.randn(5, 3), torch.randn(2, 3)
    conv = HypergraphConv(3, 4, use_attention=True, heads=2)
    ref = pyg.HypergraphConv(3, 4, use_attention=True, heads=2, attention_mode="edge")
    with torch.no_grad():
        ref.lin.weight.copy_(conv.weight.t())
        ref.att.copy_(conv.att)
        ref.bias.copy_(conv.bias)
    # Unit hyperedge weights: the oracle leaves W out of the propagation itself.
    assert torch.allclose(conv(x, HYPEREDGE_INDEX, hyperedge_attr=e),
                          ref(x, HYPEREDGE_INDEX, hyperedge_attr=e), atol=1e-5)
