import pytest
import torch

from distgnn.nn.pool.select import filter_adj, topk
from distgnn.nn.pool.topk_pool import filter_adj as filter_adj_alias
from distgnn.nn.pool.topk_pool import topk as topk_alias

X = torch.tensor([0.1, 0.5, 0.3, 0.9, 0.2, 0.8, 0.4])
BATCH = torch.tensor([0, 0, 0, 1, 1, 1, 1])


def test_aliases():
    assert topk_alias is topk and filter_adj_alias is filter_adj


def test_topk_ratio_by_hand():
    # k = ceil(0.5 * 3) = 2 and ceil(0.5 * 4) = 2, best first within every example
    assert topk(X, 0.5, BATCH).tolist() == [1, 2, 3, 5]
    assert topk(X, 1.0, BATCH).tolist() == [1, 2, 0, 3, 5, 6, 4]
    # an int ratio is k itself (capped at the example size)
    assert topk(X, 3, BATCH).tolist() == [1, 2, 0, 3, 5, 6]
    assert topk(X, 1, BATCH).tolist() == [1, 3]


def test_topk_unsorted_batch():
    perm = torch.tensor([4, 0, 6, 2, 5, 1, 3])
    out = topk(X[perm], 0.5, BATCH[perm])
    assert perm[out].tolist() == [1, 2, 3, 5]


def test_topk_min_score_by_hand():
    assert topk(X, 0.5, BATCH, min_score=0.45).tolist() == [1, 3, 5]
    # the best node of an example always survives
    assert topk(X, 0.5, BATCH, min_score=0.6).tolist() == [1, 3, 5]
    assert topk(X, 0.5, BATCH, min_score=0.85).tolist() == [1, 3]


def test_topk_bad_ratio():
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        topk(X, 1.5, BATCH)
    with pytest.raises(ValueError, match=">= 1"):
        topk(X, 0, BATCH)
    with pytest.raises(ValueError, match="same length"):
        topk(X, 0.5, BATCH[:3])


def test_filter_adj_by_hand():
    edge_index = torch.tensor([[0, 1, 2, 3, 1, 3], [1, 2, 3, 0, 3, 1]])
    attr = torch.arange(6.0)
    out, out_attr = filter_adj(edge_index, attr, torch.tensor([3, 1]), num_nodes=4)
    assert out.tolist() == [[1, 0], [0, 1]]
    assert out_attr.tolist() == [4.0, 5.0]
    out, out_attr = filter_adj(edge_index, None, torch.tensor([3, 1]))
    assert out.tolist() == [[1, 0], [0, 1]] and out_attr is None
