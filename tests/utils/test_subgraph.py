import pytest
import torch

from distgnn.utils import k_hop_subgraph, subgraph

# 0 -> 1 -> 2 -> 3, 4 -> 2, 5 isolated
EI = torch.tensor([[0, 1, 2, 4], [1, 2, 3, 2]])


def test_subgraph():
    attr = torch.tensor([10, 20, 30, 40])
    ei, a = subgraph([1, 2, 4], EI, attr)
    assert ei.tolist() == [[1, 4], [2, 2]] and a.tolist() == [20, 40]
    ei, a = subgraph(torch.tensor([1, 2, 4]), EI, attr, relabel_nodes=True)
    assert ei.tolist() == [[0, 2], [1, 1]]
    mask = torch.tensor([False, True, True, False, True, False])
    ei, a, emask = subgraph(mask, EI, relabel_nodes=True, return_edge_mask=True)
    assert ei.tolist() == [[0, 2], [1, 1]] and a is None
    assert emask.tolist() == [False, True, False, True]
    with pytest.raises(ValueError, match="one entry per node"):
        subgraph(torch.tensor([True, False]), EI, num_nodes=6)


def test_k_hop_subgraph_source_to_target():
    subset, ei, mapping, emask = k_hop_subgraph(2, 1, EI, num_nodes=6)
    assert subset.tolist() == [1, 2, 4]
    assert ei.tolist() == [[1, 4], [2, 2]] and mapping.tolist() == [1]
    assert emask.tolist() == [False, True, False, True]
    subset, ei, mapping, _ = k_hop_subgraph([3], 2, EI, relabel_nodes=True)
    assert subset.tolist() == [1, 2, 3, 4]
    assert ei.tolist() == [[0, 1, 3], [1, 2, 1]] and mapping.tolist() == [2]


def test_k_hop_subgraph_target_to_source():
    subset, ei, mapping, _ = k_hop_subgraph(torch.tensor([1, 4]), 1, EI,
                                            flow="target_to_source")
    assert subset.tolist() == [1, 2, 4] and mapping.tolist() == [0, 2]
    assert ei.tolist() == [[1, 4], [2, 2]]
    with pytest.raises(ValueError, match="flow"):
        k_hop_subgraph(0, 1, EI, flow="both")


def test_k_hop_oracle():
    pyg = pytest.importorskip("torch_geometric.utils")
    torch.manual_seed(0)
    ei = torch.randint(0, 30, (2, 80))
    for flow in ("source_to_target", "target_to_source"):
        ours = k_hop_subgraph([3, 7], 2, ei, True, 30, flow)
        ref = pyg.k_hop_subgraph([3, 7], 2, ei, True, 30, flow=flow)
        for a, b in zip(ours, ref):
            assert torch.equal(a, b)
