import pytest
import torch

from distgnn.utils import coalesce, is_undirected, sort_edge_index, to_undirected


def test_coalesce_reduces_duplicates():
    ei = torch.tensor([[1, 0, 1, 0], [0, 1, 0, 2]])
    w = torch.tensor([1.0, 2.0, 3.0, 4.0])
    out, val = coalesce(ei, w, 3, 3)
    assert out.tolist() == [[0, 0, 1], [1, 2, 0]] and val.tolist() == [2.0, 4.0, 4.0]
    assert coalesce(ei, w, 3, 3, op="max")[1].tolist() == [2.0, 4.0, 3.0]
    assert coalesce(ei, w, reduce="mean")[1].tolist() == [2.0, 4.0, 2.0]
    assert coalesce(ei)[1] is None and coalesce(ei)[0].tolist() == [[0, 0, 1], [1, 2, 0]]
    out, val = coalesce(torch.tensor([[1, 0], [0, 1]]), torch.tensor([[1.0], [2.0]]))
    assert out.tolist() == [[0, 1], [1, 0]] and val.tolist() == [[2.0], [1.0]]
    with pytest.raises(ValueError, match="one row per edge"):
        coalesce(ei, torch.ones(2))


def test_sort_edge_index():
    ei = torch.tensor([[2, 0, 1, 0], [0, 2, 1, 1]])
    out, attr = sort_edge_index(ei, torch.arange(4))
    assert out.tolist() == [[0, 0, 1, 2], [1, 2, 1, 0]] and attr.tolist() == [3, 1, 2, 0]
    out, _ = sort_edge_index(ei, sort_by_row=False)
    assert out.tolist() == [[2, 0, 1, 0], [0, 1, 1, 2]]


def test_undirected():
    ei = torch.tensor([[0, 1, 1], [1, 2, 0]])
    assert not is_undirected(ei)
    und = to_undirected(ei)
    assert und.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]] and is_undirected(und)
    und, attr = to_undirected(ei, torch.tensor([1.0, 2.0, 3.0]))
    assert attr.tolist() == [4.0, 4.0, 2.0, 2.0]
    assert is_undirected(und, attr)
    assert not is_undirected(und, torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert to_undirected(torch.tensor([[0], [1]]), 4).tolist() == [[0, 1], [1, 0]]
