"""GAE: reconstruction loss by hand, negative sampling, AUC/AP, and Cora link prediction."""
import math

import pytest
import torch

from distgnn.nn import GAE, GCNConv, InnerProductDecoder



class Identity(torch.nn.Module):
    def forward(self, z):
        return z


def test_encode_decode_and_recon_loss_by_hand():
    model = GAE(Identity())
    assert isinstance(model.decoder, InnerProductDecoder)
    z = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert torch.equal(model.encode(z), z)
    pos = torch.tensor([[0, 1], [2, 2]])  # scores 1, 1
    neg = torch.tensor([[0], [1]])  # score 0
    s = torch.sigmoid(torch.tensor(1.0))
    expected = -math.log(s) - math.log(0.5)
    assert model.recon_loss(z, pos, neg).item() == pytest.approx(expected, rel=1e-5)
    assert torch.allclose(model.decode(z, pos), torch.full((2,), float(s)))


def test_recon_loss_samples_negatives_that_are_not_edges():
    torch.manual_seed(0)
    z = torch.randn(6, 4, requires_grad=True)
    pos = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    seen = []

    class Recorder(InnerProductDecoder):
        def forward(self, z, edge_index, sigmoid=True):
            seen.append(edge_index)
            return super().forward(z, edge_index, sigmoid)

    model = GAE(Identity(), Recorder())
    loss = model.recon_loss(z, pos)
    loss.backward()
    assert z.grad is not None and torch.isfinite(loss)
    neg = seen[1]
    assert neg.size(1) == pos.size(1)
    keys = set((pos[0] * 6 + pos[1]).tolist())
    assert not (set((neg[0] * 6 + neg[1]).tolist()) & keys)
    assert bool((neg[0] != neg[1]).all())


def test_test_returns_auc_and_ap():
    pytest.importorskip("sklearn")
    model = GAE(Identity())
    z = torch.tensor([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    pos = torch.tensor([[0], [1]])
    neg = torch.tensor([[0, 3], [2, 1]])
    auc, ap = model.test(z, pos, neg)
    assert auc == pytest.approx(1.0) and ap == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"neg_edge_index must be a LongTensor of shape \[2, E\]"):
        model.test(z, pos, torch.tensor([1, 2]))


def test_reset_parameters_reaches_encoder():
    enc = GCNConv(3, 2)
    model = GAE(enc)
    before = enc.lin.weight.clone() if hasattr(enc, "lin") else next(enc.parameters()).clone()
    model.reset_parameters()
    after = enc.lin.weight if hasattr(enc, "lin") else next(enc.parameters())
    assert not torch.equal(before, after)


class Encoder(torch.nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv1 = GCNConv(in_channels, 2 * out_channels, cached=True)
        self.conv2 = GCNConv(2 * out_channels, out_channels, cached=True)

    def forward(self, x, edge_index):
        return self.conv2(self.conv1(x, edge_index).relu(), edge_index)


@pytest.mark.slow
def test_cora_link_prediction_auc(cora_root):
    pytest.importorskip("sklearn")
    from distgnn.data import Planetoid
    from distgnn.utils import train_test_split_edges
    torch.manual_seed(0)
    data = Planetoid(cora_root, "Cora")[0]
    data.train_mask = data.val_mask = data.test_mask = None
    data = train_test_split_edges(data)
    model = GAE(Encoder(data.num_features, 16))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(100):
        model.train()
        opt.zero_grad()
        z = model.encode(data.x, data.train_pos_edge_index)
        model.recon_loss(z, data.train_pos_edge_index).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        z = model.encode(data.x, data.train_pos_edge_index)
    auc, ap = model.test(z, data.test_pos_edge_index, data.test_neg_edge_index)
    assert auc > 0.85 and ap > 0.8, (auc, ap)
