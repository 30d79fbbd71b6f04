import pytest
import torch
import torch.nn.functional as F

from distgnn.nn.conv import WLConv
from distgnn.typing import SparseTensor

# A path 0-1-2-3 plus an isolated node 4 (undirected).
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])


def test_wl_conv_refines_by_neighbourhood():
    conv = WLConv()
    assert repr(conv) == "WLConv()"
    x = torch.zeros(5, dtype=torch.long)
    out = conv(x, EDGE_INDEX)
    # Degree 1 (ends), degree 2 (inner), degree 0 (isolated): new ids by first appearance.
    assert out.tolist() == [0, 1, 1, 0, 2]
    assert len(conv.hashmap) == 3
    out2 = conv(out, EDGE_INDEX)
    # Ends see an inner node; inner nodes see one end and one inner node.
    assert out2.tolist() == [3, 4, 4, 3, 5]
    # Same signatures in a new call map to the same colours.
    assert conv(x, EDGE_INDEX).tolist() == [0, 1, 1, 0, 2]
    assert len(conv.hashmap) == 6


def test_wl_conv_one_hot_sparse_and_multiset():
    conv = WLConv()
    x = torch.tensor([0, 1, 0, 1, 2])
    a = conv(F.one_hot(x, 3), EDGE_INDEX)
    adj = SparseTensor(row=EDGE_INDEX[1], col=EDGE_INDEX[0], sparse_sizes=(5, 5))
    assert torch.equal(conv(x, adj), a)
    # Node 1 sees {0, 0}, node 2 sees {1, 1}, node 3 sees {0}: all distinct.
    assert a.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="one-hot"):
        conv(torch.rand(5, 3), EDGE_INDEX)


def test_wl_conv_histogram():
    conv = WLConv()
    out = conv(torch.zeros(5, dtype=torch.long), EDGE_INDEX)
    hist = conv.histogram(out, torch.tensor([0, 0, 0, 0, 1]))
    assert hist.tolist() == [[2, 2, 0], [0, 0, 1]]
    normed = conv.histogram(out, norm=True)
    assert torch.allclose(normed, torch.tensor([[2.0, 2.0, 1.0]]) / 3.0)


def test_wl_conv_oracle():
    pyg = pytest.importorskip("torch_geometric.nn")
    x = torch.tensor([0, 1, 0, 1, 2])
    conv, ref = WLConv(), pyg.WLConv()
    for _ in range(3):
        a, b = conv(x, EDGE_INDEX), ref(x, EDGE_INDEX)
        assert torch.equal(a, b)
        x = a
