import pytest
import torch

from distgnn.ops import spline_basis, spline_weighting


def basis_of(pseudo, ks, is_open, degree):
    return spline_basis(torch.tensor(pseudo, dtype=torch.double), torch.tensor(ks),
                        torch.tensor(is_open, dtype=torch.uint8), degree)


@pytest.mark.parametrize("pseudo,ks,is_open,degree,basis,index", [
    # degree 1, open, K=5: v = 0.3 * 4 = 1.2
    ([[0.3]], [5], [1], 1, [[0.8, 0.2]], [[1, 2]]),
    # degree 1, closed, K=4: v = 0.9 * 4 = 3.6, wraps to knot 0
    ([[0.9]], [4], [0], 1, [[0.4, 0.6]], [[3, 0]]),
    # degree 1, open, u = 1: last knot
    ([[1.0]], [5], [1], 1, [[1.0, 0.0]], [[4, 0]]),
    # degree 2, open, K=5: v = 0.5 * 3 = 1.5, t = 0.5
    ([[0.5]], [5], [1], 2, [[0.125, 0.75, 0.125]], [[1, 2, 3]]),
    # degree 2, closed, K=4: v = 0.8 * 4 = 3.2, t = 0.2
    ([[0.8]], [4], [0], 2, [[0.32, 0.66, 0.02]], [[3, 0, 1]]),
    # degree 3, open, K=5: v = 0.25 * 2 = 0.5, t = 0.5
    ([[0.25]], [5], [1], 3, [[1 / 48, 23 / 48, 23 / 48, 1 / 48]], [[0, 1, 2, 3]]),
    # degree 3, closed, K=6: v = 0.5 * 6 = 3, t = 0
    ([[0.5]], [6], [0], 3, [[1 / 6, 4 / 6, 1 / 6, 0.0]], [[3, 4, 5, 0]]),
])
def test_basis_1d(pseudo, ks, is_open, degree, basis, index):
    b, wi = basis_of(pseudo, ks, is_open, degree)
    assert torch.allclose(b, torch.tensor(basis, dtype=torch.double))
    assert wi.tolist() == index


def test_basis_2d_tensor_product():
    # dim 0 open K=5 (v=1.2 -> [0.8, 0.2] at knots 1, 2),
    # dim 1 closed K=4 (v=3.6 -> [0.4, 0.6] at knots 3, 0); first dimension fastest
    b, wi = basis_of([[0.3, 0.9]], [5, 4], [1, 0], 1)
    assert torch.allclose(b, torch.tensor([[0.32, 0.08, 0.48, 0.12]], dtype=torch.double))
    assert wi.tolist() == [[1 + 3 * 5, 2 + 3 * 5, 1, 2]]


@pytest.mark.parametrize("degree", [1, 2, 3])
def test_partition_of_unity_and_range(degree):
    torch.manual_seed(0)
    pseudo = torch.rand(50, 3, dtype=torch.double)
    ks = torch.tensor([5, 6, 7])
    b, wi = spline_basis(pseudo, ks, torch.tensor([1, 0, 1]), degree)
    assert b.shape == wi.shape == (50, (degree + 1) ** 3)
    assert torch.allclose(b.sum(1), torch.ones(50, dtype=torch.double))
    assert int(wi.min()) >= 0 and int(wi.max()) < 5 * 6 * 7


@pytest.mark.parametrize("degree", [1, 2, 3])
def test_basis_gradcheck(degree):
    torch.manual_seed(1)
    pseudo = (torch.rand(6, 2, dtype=torch.double) * 0.9 + 0.05).requires_grad_()
    ks, is_open = torch.tensor([4, 5]), torch.tensor([1, 0])
    assert torch.autograd.gradcheck(lambda p: spline_basis(p, ks, is_open, degree)[0],
                                    (pseudo,))


def test_weighting_matches_loop_and_gradcheck():
    torch.manual_seed(2)
    x = torch.randn(7, 3, dtype=torch.double, requires_grad=True)
    weight = torch.randn(12, 3, 2, dtype=torch.double, requires_grad=True)
    pseudo = torch.rand(7, 2, dtype=torch.double)
    b, wi = spline_basis(pseudo, torch.tensor([3, 4]), torch.tensor([1, 1]), 1)
    out = spline_weighting(x, weight, b, wi)
    expected = torch.stack([sum(b[e, s] * x[e] @ weight[wi[e, s]] for s in range(4))
                            for e in range(7)])
    assert torch.allclose(out, expected)
    b = b.clone().requires_grad_()
    assert torch.autograd.gradcheck(spline_weighting, (x, weight, b, wi))


def test_bad_input():
    with pytest.raises(ValueError, match="degree"):
        spline_basis(torch.rand(3, 1), torch.tensor([4]), torch.tensor([1]), 4)
    with pytest.raises(ValueError, match="one entry per"):
        spline_basis(torch.rand(3, 2), torch.tensor([4]), torch.tensor([1]), 1)
    with pytest.raises(ValueError, match="C_in"):
        spline_weighting(torch.rand(3, 2), torch.rand(4, 3, 1), torch.rand(3, 2),
                         torch.zeros(3, 2, dtype=torch.long))
