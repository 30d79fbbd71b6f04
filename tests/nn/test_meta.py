import pytest
import torch
from torch.nn import Linear, ReLU, Sequential as Seq

from distgnn.nn import MetaLayer
from distgnn.ops import scatter


class EdgeModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.edge_mlp = Seq(Linear(2 * 3 + 2 + 4, 8), ReLU(), Linear(8, 5))

    def forward(self, src, dest, edge_attr, u, batch):
        return self.edge_mlp(torch.cat([src, dest, edge_attr, u[batch]], 1))


class NodeModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.node_mlp_1 = Seq(Linear(3 + 5, 8), ReLU(), Linear(8, 8))
        self.node_mlp_2 = Seq(Linear(3 + 8 + 4, 8), ReLU(), Linear(8, 6))

    def forward(self, x, edge_index, edge_attr, u, batch):
        row, col = edge_index
        out = self.node_mlp_1(torch.cat([x[row], edge_attr], dim=1))
        out = scatter(out, col, 0, x.size(0), "mean")
        return self.node_mlp_2(torch.cat([x, out, u[batch]], dim=1))


class GlobalModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.global_mlp = Seq(Linear(4 + 6, 8), ReLU(), Linear(8, 7))

    def forward(self, x, edge_index, edge_attr, u, batch):
        return self.global_mlp(torch.cat([u, scatter(x, batch, 0, u.size(0), "mean")], 1))


def test_meta_layer_documented_example():
    torch.manual_seed(0)
    x, u = torch.randn(5, 3), torch.randn(2, 4)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 3], [1, 0, 1, 4, 3, 3]])
    edge_attr = torch.randn(6, 2)
    batch = torch.tensor([0, 0, 0, 1, 1])
    em, nm, gm = EdgeModel(), NodeModel(), GlobalModel()
    op = MetaLayer(em, nm, gm)
    assert repr(op).startswith("MetaLayer(\n    edge_model=EdgeModel(")
    assert repr(op).endswith(")\n)")
    x2, e2, u2 = op(x, edge_index, edge_attr, u, batch)
    row, col = edge_index
    e_ref = em(x[row], x[col], edge_attr, u, batch[row])
    x_ref = nm(x, edge_index, e_ref, u, batch)
    u_ref = gm(x_ref, edge_index, e_ref, u, batch)
    assert torch.allclose(e2, e_ref) and torch.allclose(x2, x_ref) and torch.allclose(u2, u_ref)
    assert (x2.shape, e2.shape, u2.shape) == ((5, 6), (6, 5), (2, 7))
    # the edge model sees the graph of every edge
    assert torch.allclose(e2[3], em.edge_mlp(torch.cat([x[3], x[4], edge_attr[3], u[1]])))


def test_meta_layer_partial_and_empty():
    x = torch.randn(3, 2)
    edge_index = torch.tensor([[0, 1], [1, 2]])
    op = MetaLayer()
    assert repr(op) == ("MetaLayer(\n    edge_model=None,\n    node_model=None,\n"
                        "    global_model=None\n)")
    out = op(x, edge_index)
    assert out[0] is x and out[1] is None and out[2] is None

    calls = []

    def edge_model(src, dest, edge_attr, u, batch):
        calls.append(batch)
        return src - dest
    x2, e2, _ = MetaLayer(edge_model=edge_model)(x, edge_index)
    assert calls == [None] and torch.allclose(e2, x[[0, 1]] - x[[1, 2]]) and x2 is x
    with pytest.raises(ValueError, match="edge_index"):
        op(x, torch.tensor([0, 1]))
