import pytest
import torch

from distgnn import ops
from distgnn.ops.segment_kernels import segment_csr_torch

SRC = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, -6.0]])
PTR = torch.tensor([0, 2, 2, 3])
EXPECTED = {
    "sum": [[4.0, 6.0], [0.0, 0.0], [5.0, -6.0]],
    "mean": [[2.0, 3.0], [0.0, 0.0], [5.0, -6.0]],
    "max": [[3.0, 4.0], [0.0, 0.0], [5.0, -6.0]],
    "min": [[1.0, 2.0], [0.0, 0.0], [5.0, -6.0]],
}


@pytest.mark.parametrize("reduce", sorted(EXPECTED))
@pytest.mark.parametrize("impl", [ops.segment_csr, segment_csr_torch])
def test_segment_csr_by_hand(reduce, impl):
    assert impl(SRC, PTR, reduce).tolist() == EXPECTED[reduce]


@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
def test_segment_matches_scatter(reduce):
    src = torch.randn(50, 4)
    index = torch.sort(torch.randint(0, 10, (50,)))[0]
    ptr = ops.ptr_from_index(index, 10)
    assert torch.allclose(ops.segment_csr(src, ptr, reduce),
                          ops.scatter(src, index, 0, 10, reduce))
    assert torch.equal(ops.index_from_ptr(ptr), index)


def test_gather_csr_repeats_rows():
    assert ops.gather_csr(torch.tensor([[1.0], [2.0], [3.0]]), PTR).view(-1).tolist() == [1, 1, 3]


def test_segment_unknown_reduce():
    with pytest.raises(ValueError, match="got 'mul'"):
        ops.segment_csr(SRC, PTR, "mul")
