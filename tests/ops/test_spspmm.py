import torch

from distgnn.ops import spspmm


def _dense(index, value, size):
    out = torch.zeros(size, dtype=value.dtype)
    out.index_put_((index[0], index[1]), value, accumulate=True)
    return out


def test_spspmm_against_dense():
    ia = torch.tensor([[0, 0, 1, 2, 2], [0, 2, 1, 0, 0]])  # duplicate (2, 0) adds up
    va = torch.tensor([1.0, 2.0, 3.0, 4.0, 0.5])
    ib = torch.tensor([[0, 1, 2], [1, 0, 1]])
    vb = torch.tensor([5.0, 6.0, 7.0])
    index, value = spspmm(ia, va, ib, vb, 3, 3, 2)
    ref = _dense(ia, va, (3, 3)) @ _dense(ib, vb, (3, 2))
    assert torch.equal(_dense(index, value, (3, 2)), ref)
    # row-major coalesced output
    key = index[0] * 2 + index[1]
    assert bool((key[1:] > key[:-1]).all())


def test_spspmm_none_values_and_empty():
    ia = torch.tensor([[0, 1], [1, 0]])
    index, value = spspmm(ia, None, ia, None, 2, 2, 2)
    assert index.tolist() == [[0, 1], [0, 1]] and value.tolist() == [1.0, 1.0]
    index, value = spspmm(torch.empty(2, 0, dtype=torch.long), None, ia, None, 2, 2, 2)
    assert index.shape == (2, 0) and value.numel() == 0


def test_spspmm_gradcheck():
    ia = torch.tensor([[0, 1, 2, 2], [1, 2, 0, 1]])
    va = torch.rand(4, dtype=torch.double, requires_grad=True)
    vb = torch.rand(4, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: spspmm(ia, a, ia, b, 3, 3, 3)[1], (va, vb))
