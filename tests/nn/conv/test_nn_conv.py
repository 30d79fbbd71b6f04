import pytest
import torch
from torch.nn import Linear, ReLU, Sequential

from distgnn.nn import ECConv, NNConv
from distgnn.typing import SparseTensor

EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])


def _adj(edge_index, size, value):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value, sparse_sizes=size)


def test_nn_conv_formula_by_hand():
    torch.manual_seed(0)
    x, e = torch.randn(4, 3), torch.randn(5, 2)
    net = Sequential(Linear(2, 8), ReLU(), Linear(8, 3 * 4))
    conv = NNConv(3, 4, net)
    assert ECConv is NNConv
    assert repr(conv) == ('NNConv(3, 4, aggr="add", nn=Sequential(\n  (0): Linear(in_features=2, '
                          'out_features=8, bias=True)\n  (1): ReLU()\n  (2): Linear('
                          'in_features=8, out_features=12, bias=True)\n))')
    out = conv(x, EDGE_INDEX, e)
    w = net(e).view(5, 3, 4)
    msg = [x[j] @ w[k] for k, j in enumerate(EDGE_INDEX[0].tolist())]
    agg = torch.stack([msg[1], msg[0] + msg[2] + msg[3], torch.zeros(4), msg[4]])
    assert torch.allclose(out, agg + x @ conv.root + conv.bias, atol=1e-5)
    assert torch.allclose(conv(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-5)


def test_nn_conv_mean_no_root_bipartite():
    torch.manual_seed(1)
    x_src, x_dst, e = torch.randn(4, 3), torch.randn(2, 5), torch.randn(4, 2)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    conv = NNConv((3, 5), 4, Linear(2, 12), aggr="mean")
    assert conv.root.shape == (5, 4)
    out = conv((x_src, x_dst), edge_index, e)
    w = conv.nn(e).view(4, 3, 4)
    msg = torch.stack([x_src[j] @ w[k] for k, j in enumerate([0, 1, 2, 3])])
    agg = torch.stack([msg[:2].mean(0), msg[2:].mean(0)])
    assert torch.allclose(out, agg + x_dst @ conv.root + conv.bias, atol=1e-5)
    assert torch.allclose(conv((x_src, x_dst), _adj(edge_index, (2, 4), e)), out, atol=1e-5)
    conv = NNConv(3, 4, Linear(2, 12), root_weight=False, bias=False)
    assert conv.root is None and conv.bias is None


def test_nn_conv_gradcheck_and_jit():
    torch.manual_seed(2)
    conv = NNConv(2, 3, Linear(2, 6)).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    e = torch.randn(5, 2, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: conv(a, EDGE_INDEX, b), (x, e))
    conv = NNConv(3, 4, Linear(2, 12))
    x, e = torch.randn(4, 3), torch.randn(5, 2)
    jit = torch.jit.script(conv.jittable())
    out = conv(x, EDGE_INDEX, e)
    assert torch.allclose(jit(x, EDGE_INDEX, e), out, atol=1e-5)
    assert torch.allclose(jit(x, _adj(EDGE_INDEX, (4, 4), e)), out, atol=1e-5)


def test_nn_conv_requires_edge_attr():
    with pytest.raises(ValueError, match="edge_attr"):
        NNConv(3, 4, Linear(2, 12))(torch.randn(4, 3), EDGE_INDEX)


class _Opaque(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


@pytest.mark.parametrize("aggr", ["add", "mean", "max"])
def test_nn_conv_split_path_matches_generic_path(aggr):
    torch.manual_seed(5)
    x, e = torch.randn(4, 3), torch.randn(5, 2)
    for net in (Sequential(Linear(2, 8), ReLU(), Linear(8, 12)), Linear(2, 12),
                Sequential(Linear(2, 12, bias=False))):
        fast = NNConv(3, 4, net, aggr=aggr)
        slow = NNConv(3, 4, _Opaque(net), aggr=aggr)
        slow.load_state_dict(fast.state_dict(), strict=False)
        with torch.no_grad():
            slow.root.copy_(fast.root)
        assert torch.allclose(fast(x, EDGE_INDEX, e), slow(x, EDGE_INDEX, e), atol=1e-5)
        assert torch.allclose(fast(x, _adj(EDGE_INDEX, (4, 4), e)), slow(x, EDGE_INDEX, e),
                              atol=1e-5)
    x_src, x_dst = torch.randn(4, 3), torch.randn(2, 5)
    edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    fast = NNConv((3, 5), 4, Linear(2, 12), aggr=aggr)
    slow = NNConv((3, 5), 4, _Opaque(fast.nn), aggr=aggr)
    with torch.no_grad():
        slow.root.copy_(fast.root)
    assert torch.allclose(fast((x_src, None), edge_index, e[:4], size=(4, 2)),
                          slow((x_src, None), edge_index, e[:4], size=(4, 2)), atol=1e-5)
