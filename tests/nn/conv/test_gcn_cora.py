"""GCN on Cora with the paper's recipe reaches the published accuracy (81.5)."""
import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import GCNConv

def load_cora(root: str):
    from distgnn.data import Planetoid
    return Planetoid(root, "cora")[0]


class GCN(torch.nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv1 = GCNConv(in_channels, 16, cached=True)
        self.conv2 = GCNConv(16, out_channels, cached=True)

    def forward(self, x, edge_index):
        # the input's dropout is applied by the caller (see dropout_nonzeros)
        x = F.relu(self.conv1(x, edge_index))
        x = F.dropout(x, 0.5, self.training)
        return self.conv2(x, edge_index)


def dropout_nonzeros(x, nz, p: float):
    """``F.dropout(x, p)`` drawn on the nonzero entries ``nz`` only: a dropped zero stays zero,
    so the result has the same distribution, at a cost of Cora's 49k nonzeros instead of its
    3.9M entries (torch's Bernoulli draw of the dense input was 80% of the training time)."""
    keep = torch.rand(nz[0].numel()) >= p
    at = (nz[0][keep], nz[1][keep])
    out = torch.zeros_like(x)
    out[at] = x[at] / (1 - p)
    return out


def train_and_test(data, seed: int) -> float:
    torch.manual_seed(seed)
    nz = data.x.nonzero(as_tuple=True)
    model = GCN(data.num_node_features, int(data.y.max()) + 1)
    optimizer = torch.optim.Adam([
        dict(params=model.conv1.parameters(), weight_decay=5e-4),
        dict(params=model.conv2.parameters(), weight_decay=0.0)], lr=0.01)
    for _ in range(200):
        model.train()
        optimizer.zero_grad()
        out = model(dropout_nonzeros(data.x, nz, 0.5), data.edge_index)
        F.cross_entropy(out[data.train_mask], data.y[data.train_mask]).backward()
        optimizer.step()
    model.eval()
    pred = model(data.x, data.edge_index).argmax(-1)
    return (pred[data.test_mask] == data.y[data.test_mask]).float().mean().item()


@pytest.mark.slow
def test_gcn_cora_accuracy(cora_root):
    data = load_cora(cora_root)
    # row-normalised features, as in the paper
    data.x = data.x / data.x.sum(-1, keepdim=True).clamp(min=1)
    accs = [train_and_test(data, seed) for seed in range(3)]
    assert sum(accs) / len(accs) >= 0.80, accs
