import pytest
import torch

from distgnn import ops
from distgnn.typing import SparseTensor

ROW = torch.tensor([0, 0, 1, 2, 2])
COL = torch.tensor([1, 2, 0, 0, 1])
VAL = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


def dense():
    a = torch.zeros(3, 3)
    a[ROW, COL] = VAL
    return a


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
def test_spmm_sparse_tensor(reduce):
    adj = SparseTensor(row=ROW, col=COL, value=VAL, sparse_sizes=(3, 3))
    out = ops.spmm(adj, X, reduce)
    prod = dense().unsqueeze(-1) * X.unsqueeze(0)  # [row, col, F]
    mask = (dense() != 0).unsqueeze(-1)
    if reduce == "sum":
        expected = prod.sum(1)
    elif reduce == "mean":
        expected = prod.sum(1) / mask.sum(1)
    elif reduce == "max":
        expected = prod.masked_fill(~mask, float("-inf")).max(1).values
    else:
        expected = prod.masked_fill(~mask, float("inf")).min(1).values
    assert torch.allclose(out, expected)


def test_spmm_torch_csr_matches_dense():
    adj = SparseTensor(row=ROW, col=COL, value=VAL, sparse_sizes=(3, 3))
    csr = ops.to_torch_csr(adj)
    assert torch.allclose(ops.spmm(csr, X), dense() @ X)
    with pytest.raises(ValueError, match="reduce='sum' only"):
        ops.spmm(csr, X, "max")


def test_spmm_gradient():
    adj = SparseTensor(row=ROW, col=COL, value=VAL.double(), sparse_sizes=(3, 3))
    x = X.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda t: ops.spmm(adj, t, "sum"), (x,))
    assert torch.autograd.gradcheck(lambda t: ops.spmm(adj, t, "mean"), (x,))
