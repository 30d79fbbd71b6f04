import pytest
import torch

from distgnn import ops

SRC = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, -6.0], [7.0, 8.0]])
INDEX = torch.tensor([0, 2, 0, 2])


@pytest.mark.parametrize("reduce,expected", [
    ("sum", [[6.0, -4.0], [0.0, 0.0], [10.0, 12.0]]),
    ("add", [[6.0, -4.0], [0.0, 0.0], [10.0, 12.0]]),
    ("mean", [[3.0, -2.0], [0.0, 0.0], [5.0, 6.0]]),
    ("max", [[5.0, 2.0], [0.0, 0.0], [7.0, 8.0]]),
    ("min", [[1.0, -6.0], [0.0, 0.0], [3.0, 4.0]]),
    ("mul", [[5.0, -12.0], [1.0, 1.0], [21.0, 32.0]]),
])
def test_scatter_by_hand(reduce, expected):
    out = ops.scatter(SRC, INDEX, 0, 3, reduce)
    assert out.tolist() == expected


def test_scatter_infers_size_and_other_dim():
    out = ops.scatter(SRC.t(), INDEX, dim=1, reduce="sum")
    assert out.tolist() == [[6.0, 0.0, 10.0], [-4.0, 0.0, 12.0]]


def test_scatter_unknown_reduce():
    with pytest.raises(ValueError, match="got 'median'"):
        ops.scatter(SRC, INDEX, reduce="median")


def test_scatter_argmax():
    out, arg = ops.scatter_argmax(SRC, INDEX, 0, 3)
    assert out.tolist() == [[5.0, 2.0], [0.0, 0.0], [7.0, 8.0]]
    assert arg.tolist() == [[2, 0], [4, 4], [3, 3]]


def test_scatter_std_and_logsumexp():
    std = ops.scatter_std(SRC, INDEX, 0, 3)
    # group 0 holds [1, 2] and [5, -6]: unbiased variances (4 + 4) / 1 and (16 + 16) / 1
    assert torch.allclose(std[0], torch.tensor([8.0, 32.0]).sqrt())
    lse = ops.scatter_logsumexp(SRC, INDEX, 0, 3)
    assert torch.allclose(lse[2], torch.log(torch.exp(torch.tensor([3.0, 4.0]))
                                            + torch.exp(torch.tensor([7.0, 8.0]))))


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "mul"])
def test_scatter_gradcheck(reduce):
    src = torch.rand(6, 3, dtype=torch.double, requires_grad=True)
    index = torch.tensor([0, 1, 0, 2, 2, 2])
    assert torch.autograd.gradcheck(lambda s: ops.scatter(s, index, 0, 4, reduce), (src,))


def test_scatter_is_scriptable():
    scripted = torch.jit.script(ops.scatter)
    assert torch.equal(scripted(SRC, INDEX, 0, 3, "max"), ops.scatter(SRC, INDEX, 0, 3, "max"))
