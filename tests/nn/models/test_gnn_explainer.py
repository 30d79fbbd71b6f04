"""GNNExplainer: the one edge a prediction depends on gets the highest mask value."""
import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import GCNConv, GNNExplainer, MessagePassing, global_add_pool


class SumConv(MessagePassing):
    """x'_i = sum_j x_j (no self-loops)."""

    def __init__(self):
        super().__init__(aggr="add")

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x)


class NodeModel(torch.nn.Module):
    """Class 1 iff the summed neighbour feature is positive."""

    def __init__(self):
        super().__init__()
        self.conv = SumConv()

    def forward(self, x, edge_index):
        h = self.conv(x, edge_index)
        return torch.cat([torch.zeros_like(h), 4.0 * h], dim=-1).log_softmax(dim=-1)


def _star():
    # Node 0 hears from 1 (+3) and from 2, 3, 4 (-0.5 each); 5 -> 6 lies far away.
    x = torch.tensor([[0.0], [3.0], [-0.5], [-0.5], [-0.5], [1.0], [0.0]])
    edge_index = torch.tensor([[2, 1, 3, 4, 5], [0, 0, 0, 0, 6]])
    return x, edge_index


def test_explain_node_ranks_the_deciding_edge_first():
    torch.manual_seed(0)
    model = NodeModel()
    x, edge_index = _star()
    assert model(x, edge_index)[0].argmax() == 1
    explainer = GNNExplainer(model, epochs=200, lr=0.05, log=False)
    assert explainer.num_hops == 1 and repr(explainer) == "GNNExplainer()"
    node_feat_mask, edge_mask = explainer.explain_node(0, x, edge_index)
    assert node_feat_mask.shape == (1,) and edge_mask.shape == (5,)
    assert int(edge_mask.argmax()) == 1
    assert edge_mask[1] > 0.5 and bool((edge_mask[[0, 2, 3]] < edge_mask[1]).all())
    assert edge_mask[4] == 0  # outside the 1-hop neighbourhood of node 0
    # masks are removed afterwards
    assert model.conv.__explain__ is False and model.conv.__edge_mask__ is None


def test_messages_are_scaled_by_sigmoid_of_mask():
    model = NodeModel()
    x, edge_index = _star()
    explainer = GNNExplainer(model, log=False)
    explainer.__set_masks__(x, edge_index)
    with torch.no_grad():
        explainer.edge_mask.copy_(torch.tensor([0.0, 100.0, -100.0, -100.0, 0.0]))
    h = model.conv(x, edge_index)
    assert torch.allclose(h[0], torch.tensor([-0.25 + 3.0]))
    explainer.__clear_masks__()
    assert torch.allclose(model.conv(x, edge_index)[0], torch.tensor([1.5]))


class GraphModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = GCNConv(2, 8)
        self.conv2 = GCNConv(8, 8)
        self.lin = torch.nn.Linear(8, 3)

    def forward(self, x, edge_index, batch):
        h = F.relu(self.conv1(x, edge_index))
        h = F.relu(self.conv2(h, edge_index))
        return self.lin(global_add_pool(h, batch))


def test_explain_graph_with_layer_self_loops_and_raw_output():
    torch.manual_seed(0)
    model = GraphModel()
    x = torch.randn(5, 2)
    edge_index = torch.tensor([[0, 1, 1, 2, 3, 4], [1, 0, 2, 1, 4, 3]])
    explainer = GNNExplainer(model, epochs=5, return_type="raw", log=False)
    assert explainer.num_hops == 2
    node_feat_mask, edge_mask = explainer.explain_graph(x, edge_index)
    assert node_feat_mask.shape == (2,) and edge_mask.shape == (6,)
    assert bool(((edge_mask > 0) & (edge_mask < 1)).all())
    assert model.conv1.__edge_mask__ is None


def test_explain_node_slices_node_and_edge_kwargs():
    seen = {}

    class KwModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = SumConv()

        def forward(self, x, edge_index, node_w, edge_w):
            seen["shapes"] = (node_w.shape[0], edge_w.shape[0], x.shape[0])
            h = self.conv(x * node_w.view(-1, 1), edge_index)
            return torch.cat([torch.zeros_like(h), h], -1).log_softmax(-1)

    x, edge_index = _star()
    explainer = GNNExplainer(KwModel(), epochs=2, num_hops=1, log=False)
    explainer.explain_node(0, x, edge_index, node_w=torch.ones(7), edge_w=torch.ones(5))
    assert seen["shapes"] == (5, 4, 5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="return_type must be one of .* got 'logits'"):
        GNNExplainer(NodeModel(), return_type="logits")
    explainer = GNNExplainer(NodeModel(), log=False)
    x, edge_index = _star()
    with pytest.raises(ValueError, match=r"edge_index must be a LongTensor of shape \[2, E\]"):
        explainer.explain_node(0, x, edge_index[0])
    with pytest.raises(IndexError, match=r"node_idx must lie in \[0, 7\), got 9"):
        explainer.explain_node(9, x, edge_index)


def test_visualize_subgraph():
    pytest.importorskip("networkx")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    x, edge_index = _star()
    explainer = GNNExplainer(NodeModel(), log=False)
    edge_mask = torch.tensor([0.1, 0.9, 0.2, 0.3, 0.5])
    y = torch.tensor([0, 1, 0, 0, 0, 1, 1])
    ax, G = explainer.visualize_subgraph(0, edge_index, edge_mask, y=y)
    assert set(G.nodes) == {0, 1, 2, 3, 4} and G.number_of_edges() == 4
    assert G.edges[1, 0]["att"] == pytest.approx(0.9)
    ax, G = explainer.visualize_subgraph(-1, edge_index, edge_mask, threshold=0.4)
    assert G.number_of_nodes() == 7 and G.edges[5, 6]["att"] == 1.0 and G.edges[2, 0]["att"] == 0.0
    import matplotlib.pyplot as plt
    plt.close("all")
