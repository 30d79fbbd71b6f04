import pytest
import torch

from distgnn.utils import (add_remaining_self_loops, add_self_loops, contains_self_loops,
                           remove_self_loops, segregate_self_loops)

EI = torch.tensor([[0, 1, 1, 2], [1, 1, 2, 2]])
W = torch.tensor([1.0, 2.0, 3.0, 4.0])


def test_contains_and_remove():
    assert contains_self_loops(EI) and not contains_self_loops(torch.tensor([[0], [1]]))
    ei, w = remove_self_loops(EI, W)
    assert ei.tolist() == [[0, 1], [1, 2]] and w.tolist() == [1.0, 3.0]


def test_segregate():
    ei, w, loop, loop_w = segregate_self_loops(EI, W)
    assert ei.tolist() == [[0, 1], [1, 2]] and w.tolist() == [1.0, 3.0]
    assert loop.tolist() == [[1, 2], [1, 2]] and loop_w.tolist() == [2.0, 4.0]


def test_add_self_loops():
    ei, w = add_self_loops(torch.tensor([[0], [1]]), torch.tensor([5.0]), fill_value=0.5,
                           num_nodes=3)
    assert ei.tolist() == [[0, 0, 1, 2], [1, 0, 1, 2]] and w.tolist() == [5.0, 0.5, 0.5, 0.5]
    ei, w = add_self_loops(torch.tensor([[0, 2], [1, 1]]), torch.tensor([2.0, 4.0]),
                           fill_value="mean")
    assert w.tolist() == [2.0, 4.0, 0.0, 3.0, 0.0]
    ei, none = add_self_loops(torch.tensor([[0], [1]]))
    assert ei.tolist() == [[0, 0, 1], [1, 0, 1]] and none is None
    multi = add_self_loops(torch.tensor([[0], [1]]), torch.ones(1, 2), fill_value=7.0)[1]
    assert multi.tolist() == [[1, 1], [7, 7], [7, 7]]
    with pytest.raises(ValueError, match="one entry per edge"):
        add_self_loops(EI, torch.ones(3))


def test_add_remaining_self_loops_keeps_existing_weights():
    ei, w = add_remaining_self_loops(EI, W, fill_value=9.0, num_nodes=4)
    assert ei.tolist() == [[0, 1, 0, 1, 2, 3], [1, 2, 0, 1, 2, 3]]
    assert w.tolist() == [1.0, 3.0, 9.0, 2.0, 4.0, 9.0]
    ei, _ = add_remaining_self_loops(EI)
    assert ei.size(1) == 2 + 3


def test_oracle():
    pyg = pytest.importorskip("torch_geometric.utils")
    ei = torch.tensor([[0, 1, 1, 3, 2], [1, 1, 2, 0, 2]])
    w = torch.rand(5)
    for ours, ref in [(add_remaining_self_loops(ei, w, 2.0, 5),
                       pyg.add_remaining_self_loops(ei, w, 2.0, 5)),
                      (add_self_loops(ei, w, 3.0, 5), pyg.add_self_loops(ei, w, 3.0, 5))]:
        assert torch.equal(ours[0], ref[0]) and torch.allclose(ours[1], ref[1])
