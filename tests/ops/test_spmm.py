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


# Shapes whose product holds no entry: torch_sparse's kernels divide by the row count and by
# the feature count, so each of these stopped the process with SIGFPE before spmm caught them.
EMPTY_SHAPES = [(0, 0, 0, 4), (3, 0, 0, 4), (0, 3, 0, 4), (3, 3, 0, 4), (3, 3, 4, 0), (0, 0, 0, 0)]


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("rows,cols,nnz,features", EMPTY_SHAPES)
def test_spmm_without_entries_rows_or_features(reduce, rows, cols, nnz, features):
    row, col = torch.arange(nnz) % max(rows, 1), torch.arange(nnz) % max(cols, 1)
    value = torch.arange(1.0, nnz + 1).requires_grad_()
    x = torch.randn(cols, features, requires_grad=True)
    for _ in range(2):
        adj = SparseTensor(row=row, col=col, value=value, sparse_sizes=(rows, cols))
        out = ops.spmm(adj, x, reduce)
        assert out.shape == (rows, features) and torch.equal(out, torch.zeros(rows, features))
        (out.sum() + x.sum() + value.sum()).backward()
    assert torch.equal(x.grad, torch.full((cols, features), 2.0))  # the spmm adds nothing
    assert torch.equal(value.grad, torch.full((nnz,), 2.0))


@pytest.mark.parametrize("rows,cols,nnz,features", EMPTY_SHAPES[:4])
def test_spmm_of_an_empty_edge_index_structure(rows, cols, nnz, features):
    """The cached transposed adjacency of an edge_index with no edges (what the fused conv
    path builds for a graph of 0 nodes) multiplies like any other."""
    ei = torch.zeros(2, 0, dtype=torch.long)
    adj = ops.adj_t_from_edge_index(ei, cols, rows)
    assert adj.sizes() == [rows, cols] and adj.nnz() == 0
    x = torch.randn(cols, features, requires_grad=True)
    out = ops.spmm(adj, x, "sum")
    out.sum().backward()
    assert torch.equal(out, torch.zeros(rows, features))
    assert torch.equal(x.grad, torch.zeros(cols, features))


def test_spmm_torch_csr_without_rows_or_entries():
    for rows, cols in ((0, 0), (0, 3), (3, 0), (3, 3)):
        adj = torch.sparse_csr_tensor(torch.zeros(rows + 1, dtype=torch.long),
                                      torch.zeros(0, dtype=torch.long), torch.zeros(0), (rows, cols))
        x = torch.randn(cols, 2, requires_grad=True)
        out = ops.spmm(adj, x)
        out.sum().backward()
        assert torch.equal(out, torch.zeros(rows, 2)) and torch.equal(x.grad, torch.zeros(cols, 2))
