"""DeepGraphInfomax: forward plumbing, bilinear discriminator and loss by hand, training."""
import pytest
import torch

from distgnn.nn import DeepGraphInfomax, GCNConv


class Encoder(torch.nn.Module):
    def __init__(self, in_channels, hidden):
        super().__init__()
        self.conv = GCNConv(in_channels, hidden)
        self.act = torch.nn.PReLU(hidden)

    def forward(self, x, edge_index):
        return self.act(self.conv(x, edge_index))


def summary(z, *args, **kwargs):
    return torch.sigmoid(z.mean(dim=0))


def corruption(x, edge_index):
    return x[torch.randperm(x.size(0))], edge_index


def test_forward_discriminate_and_loss_by_hand():
    torch.manual_seed(0)
    model = DeepGraphInfomax(4, Encoder(3, 4), summary, corruption)
    assert repr(model) == "DeepGraphInfomax(4)"
    bound = 1 / 2
    assert model.weight.abs().max() <= bound
    x = torch.randn(5, 3)
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    pos_z, neg_z, s = model(x, edge_index)
    assert pos_z.shape == neg_z.shape == (5, 4) and s.shape == (4,)
    assert torch.allclose(s, torch.sigmoid(pos_z.mean(0)))
    w = model.weight
    logits = torch.stack([pos_z[i] @ w @ s for i in range(5)])
    assert torch.allclose(model.discriminate(pos_z, s, sigmoid=False), logits, atol=1e-6)
    neg_logits = torch.stack([neg_z[i] @ w @ s for i in range(5)])
    expected = (-torch.log(torch.sigmoid(logits)).mean()
                - torch.log(1 - torch.sigmoid(neg_logits)).mean())
    assert torch.allclose(model.loss(pos_z, neg_z, s), expected, atol=1e-6)


def test_corruption_returning_single_tensor_and_bad_channels():
    torch.manual_seed(0)
    enc = torch.nn.Linear(3, 4)
    model = DeepGraphInfomax(4, enc, lambda z, *a: z.mean(0), lambda x: -x)
    x = torch.randn(5, 3)
    pos_z, neg_z, _ = model(x)
    assert torch.allclose(neg_z, enc(-x))
    with pytest.raises(ValueError, match="expected embeddings with 4 channels, got 3"):
        model.discriminate(torch.randn(2, 3), torch.randn(4))
    with pytest.raises(ValueError, match="hidden_channels must be a positive int, got 0"):
        DeepGraphInfomax(0, enc, summary, corruption)


def test_training_separates_communities():
    pytest.importorskip("sklearn")
    torch.manual_seed(0)
    n = 40
    y = torch.arange(n) % 2
    x = torch.randn(n, 8) + 2.0 * y.view(-1, 1).float()
    row, col = torch.randint(n, (2, 400))
    keep = y[row] == y[col]
    edge_index = torch.stack([row[keep], col[keep]])
    model = DeepGraphInfomax(16, Encoder(8, 16), summary, corruption)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = model.loss(*model(x, edge_index))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    z, _, _ = model(x, edge_index)
    acc = model.test(z[:20], y[:20], z[20:], y[20:])
    assert acc >= 0.9
