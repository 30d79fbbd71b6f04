"""MessagePassing: the propagate contract, on a 4-node graph computed by hand."""
import pytest
import torch
from torch import Tensor

from distgnn.nn import MessagePassing
from distgnn.typing import OptPairTensor, OptTensor, SparseTensor

# Edges j -> i: 0->1, 1->0, 2->1, 3->1, 0->3
EDGE_INDEX = torch.tensor([[0, 1, 2, 3, 0], [1, 0, 1, 1, 3]])
X = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0], [0.0, 4.0]])


def adj_t(edge_index=EDGE_INDEX, value=None, n=4, m=4):
    return SparseTensor(row=edge_index[1], col=edge_index[0], value=value,
                        sparse_sizes=(m, n))


class Copy(MessagePassing):
    propagate_type = {"x": "Tensor", "edge_weight": "OptTensor"}

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: OptTensor = None) -> Tensor:
        return self.propagate(edge_index, x=x, edge_weight=edge_weight, size=None)

    def message(self, x_j: Tensor, edge_weight: OptTensor) -> Tensor:
        return x_j if edge_weight is None else x_j * edge_weight.view(-1, 1)


class Diff(MessagePassing):
    """message = x_j - x_i on a (source, target) pair; update adds a bias argument."""
    propagate_type = {"x": "OptPairTensor", "shift": "float"}

    def forward(self, x: OptPairTensor, edge_index: Tensor, shift: float) -> Tensor:
        return self.propagate(edge_index, x=x, shift=shift, size=None)

    def message(self, x_i: Tensor, x_j: Tensor) -> Tensor:
        return x_j - x_i

    def update(self, inputs: Tensor, shift: float) -> Tensor:
        return inputs + shift


@pytest.mark.parametrize("aggr,expected", [
    # node 1 receives x0, x2, x3; node 0 receives x1; node 3 receives x0; node 2 none
    ("add", [[0, 2], [4, 4], [0, 0], [1, 0]]),
    ("mean", [[0, 2], [4 / 3, 4 / 3], [0, 0], [1, 0]]),
    ("max", [[0, 2], [3, 4], [0, 0], [1, 0]]),
    ("min", [[0, 2], [0, 0], [0, 0], [1, 0]]),
])
def test_aggregations_by_hand(aggr, expected):
    conv = Copy(aggr=aggr)
    expected = torch.tensor(expected, dtype=torch.float)
    assert torch.allclose(conv(X, EDGE_INDEX), expected)
    assert torch.allclose(conv(X, adj_t()), expected)


def test_target_to_source_flow():
    out = Copy(flow="target_to_source")(X, EDGE_INDEX)
    # node 0 sends to 1 and 3 -> receives x1 + x3 in the reversed direction
    assert out.tolist() == [[0, 6], [1, 0], [0, 2], [0, 2]]


def test_edge_weight_and_sparse_value():
    w = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    out = Copy()(X, EDGE_INDEX, w)
    assert out.tolist() == [[0, 4], [10, 16], [0, 0], [5, 0]]
    # the SparseTensor's value serves as edge_weight
    assert torch.equal(Copy()(X, adj_t(value=w)), out)


def test_lifting_i_j_and_update_args():
    out = Diff()((X, X), EDGE_INDEX, 0.5)
    # node 1: (x0 - x1) + (x2 - x1) + (x3 - x1) = (4, 4 - 6) ; then + 0.5
    assert out[1].tolist() == [4.5, -1.5]
    assert out[2].tolist() == [0.5, 0.5]  # no incoming edge
    assert torch.equal(Diff()((X, X), adj_t(), 0.5), out)


def test_bipartite_sizes():
    x_src = torch.randn(5, 3)
    x_dst = torch.randn(2, 3)
    edge_index = torch.tensor([[0, 4, 3], [1, 1, 0]])
    out = Diff()((x_src, x_dst), edge_index, 0.0)
    assert out.shape == (2, 3)
    assert torch.allclose(out[1], (x_src[0] - x_dst[1]) + (x_src[4] - x_dst[1]))
    sparse = adj_t(edge_index, n=5, m=2)
    assert torch.allclose(Diff()((x_src, x_dst), sparse, 0.0), out)


def test_size_mismatch_is_reported():
    conv = Copy()
    with pytest.raises(ValueError, match="expected 3, got 4"):
        conv.propagate(EDGE_INDEX, x=X, size=(3, 3))


@pytest.mark.parametrize("bad,match", [
    (EDGE_INDEX.float(), "dtype torch.long"),
    (EDGE_INDEX[0], r"shape \[2, num_edges\]"),
    ([[0, 1], [1, 0]], "LongTensor of shape"),
])
def test_bad_edge_index(bad, match):
    with pytest.raises((TypeError, ValueError), match=match):
        Copy()(X, bad)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="aggr must be one of"):
        Copy(aggr="median")
    with pytest.raises(ValueError, match="flow must be one of"):
        Copy(flow="sideways")


class Fused(Copy):
    calls = 0

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        Fused.calls += 1
        from distgnn import ops
        return ops.spmm(adj_t, x, reduce=self.aggr)


def test_message_and_aggregate_used_for_sparse_input():
    conv = Fused()
    out = conv(X, adj_t())
    assert Fused.calls == 1
    assert torch.equal(out, Copy()(X, EDGE_INDEX))


def test_explain_mask_scales_messages():
    conv = Copy()
    conv.__explain__ = True
    conv.__edge_mask__ = torch.full((5,), 100.0)  # sigmoid ~ 1
    assert torch.allclose(conv(X, EDGE_INDEX), Copy()(X, EDGE_INDEX), atol=1e-4)
    conv.__edge_mask__ = torch.tensor([-100.0, 100.0, 100.0, 100.0, 100.0])
    assert torch.allclose(conv(X, EDGE_INDEX)[1], torch.tensor([3.0, 4.0]), atol=1e-4)


def test_gradients_flow_to_inputs():
    x = X.double().requires_grad_()
    w = torch.rand(5, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: Copy(aggr="mean")(a, EDGE_INDEX, b), (x, w))


@pytest.mark.parametrize("cls,args", [(Copy, ()), (Diff, (0.25,))])
def test_jittable_matches_eager(cls, args):
    conv = cls()
    inp = X if cls is Copy else (X, X)
    scripted = torch.jit.script(conv.jittable())
    assert torch.allclose(scripted(inp, EDGE_INDEX, *args), conv(inp, EDGE_INDEX, *args))


def test_jittable_with_forward_typing():
    conv = Copy(aggr="max")
    jit = conv.jittable("(Tensor, Tensor, Optional[Tensor]) -> Tensor")
    scripted = torch.jit.script(jit)
    assert torch.equal(scripted(X, EDGE_INDEX, None), conv(X, EDGE_INDEX))
    with pytest.raises(ValueError, match="typing must look like"):
        conv.jittable("Tensor -> Tensor")


class FusedWeighted(Copy):
    fuse_edge_index = True
    calls = 0

    def message_and_aggregate(self, adj_t: SparseTensor, x: Tensor) -> Tensor:
        from distgnn import ops
        FusedWeighted.calls += 1
        return ops.spmm(adj_t, x, reduce=self.aggr)


def test_fused_edge_index_path_matches_gather_scatter():
    """From the second call on, a fusing layer aggregates through the cached CSR."""
    w = torch.rand(5, dtype=torch.double, requires_grad=True)
    x = X.double().requires_grad_()
    edge_index = EDGE_INDEX.clone()
    for aggr in ("add", "mean"):
        reference = Copy(aggr=aggr)(x, edge_index, w)
        grads_ref = torch.autograd.grad(reference.pow(2).sum(), (x, w))
        conv = FusedWeighted(aggr=aggr)
        for _ in range(3):
            out = conv(x, edge_index, w)
            assert torch.allclose(out, reference)
            grads = torch.autograd.grad(out.pow(2).sum(), (x, w))
            assert all(torch.allclose(a, b) for a, b in zip(grads, grads_ref))
    assert FusedWeighted.calls >= 4  # calls 2 and 3 of each aggregation were fused
