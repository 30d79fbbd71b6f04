import math

import pytest
import torch

from distgnn.utils import softmax


def test_softmax_by_hand():
    src = torch.tensor([0.0, math.log(3.0), 5.0, 1000.0, 1000.0])
    index = torch.tensor([0, 0, 1, 2, 2])
    out = softmax(src, index)
    assert torch.allclose(out, torch.tensor([0.25, 0.75, 1.0, 0.5, 0.5]))
    ptr = torch.tensor([0, 2, 3, 5])
    assert torch.allclose(softmax(src, ptr=ptr), out)


def test_softmax_groups_sum_to_one_and_dims():
    torch.manual_seed(0)
    src = torch.randn(10, 3) * 50
    index = torch.tensor([0, 0, 1, 1, 1, 3, 3, 3, 3, 3])
    out = softmax(src, index, num_nodes=4)
    sums = torch.zeros(4, 3).index_add_(0, index, out)
    assert torch.allclose(sums[[0, 1, 3]], torch.ones(3, 3)) and torch.all(sums[2] == 0)
    ptr = torch.tensor([0, 2, 5, 5, 10])
    assert torch.allclose(softmax(src, ptr=ptr), out, atol=1e-6)
    t = src.t().contiguous()
    assert torch.allclose(softmax(t, index, dim=1), out.t(), atol=1e-6)
    assert torch.allclose(softmax(t, ptr=ptr, dim=-1), out.t(), atol=1e-6)


def test_softmax_gradient_and_errors():
    src = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    softmax(src, torch.tensor([0, 0, 0]))[2].backward()
    ref = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    torch.softmax(ref, 0)[2].backward()
    assert torch.allclose(src.grad, ref.grad)
    with pytest.raises(ValueError, match="index"):
        softmax(src)
    with pytest.raises(ValueError, match="one entry per element"):
        softmax(src, torch.tensor([0, 1]))
