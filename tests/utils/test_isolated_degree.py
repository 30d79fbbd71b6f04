import pytest
import torch

from distgnn.utils import (contains_isolated_nodes, degree, maybe_num_nodes, normalized_cut,
                           remove_isolated_nodes)


def test_degree_and_num_nodes():
    index = torch.tensor([0, 1, 0, 3])
    assert degree(index).tolist() == [2.0, 1.0, 0.0, 1.0]
    assert degree(index, 5, torch.long).tolist() == [2, 1, 0, 1, 0]
    assert maybe_num_nodes(torch.tensor([[0, 4], [1, 2]])) == 5
    assert maybe_num_nodes(torch.tensor([[0], [1]]), 7) == 7
    with pytest.raises(ValueError, match="1-D"):
        degree(torch.zeros(2, 2, dtype=torch.long))


def test_isolated_nodes():
    ei = torch.tensor([[0, 1, 3], [1, 0, 3]])
    assert contains_isolated_nodes(ei)  # node 2 and node 3 (only a self-loop)
    assert not contains_isolated_nodes(torch.tensor([[0, 1], [1, 0]]))
    assert contains_isolated_nodes(torch.tensor([[0, 1], [1, 0]]), num_nodes=3)
    ei = torch.tensor([[0, 2, 2, 4, 3], [2, 0, 2, 4, 0]])
    attr = torch.tensor([1, 2, 3, 4, 5])
    out, a, mask = remove_isolated_nodes(ei, attr, num_nodes=6)
    assert mask.tolist() == [True, False, True, True, False, False]
    assert out.tolist() == [[0, 1, 2, 1], [1, 0, 0, 1]] and a.tolist() == [1, 2, 5, 3]


def test_normalized_cut():
    ei = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    out = normalized_cut(ei, torch.tensor([1.0, 1.0, 2.0, 2.0]))
    # in-degrees: 1, 2, 1
    assert out.tolist() == [1.5, 1.5, 3.0, 3.0]
