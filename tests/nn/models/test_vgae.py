"""VGAE: reparametrization, stored mu/logstd and the KL loss by hand."""
import math

import pytest
import torch

from distgnn.nn import VGAE


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 4)

    def forward(self, x):
        h = self.lin(x)
        return h[:, :2], h[:, 2:]


def test_encode_train_samples_and_eval_returns_mu():
    torch.manual_seed(0)
    model = VGAE(Encoder())
    x = torch.randn(5, 3)
    z = model.encode(x)
    mu, logstd = model.__mu__, model.__logstd__
    assert z.shape == (5, 2) and not torch.allclose(z, mu)
    model.eval()
    assert torch.allclose(model.encode(x), mu)


def test_reparametrize_uses_exp_logstd():
    model = VGAE(Encoder())
    mu, logstd = torch.zeros(20000, 1), torch.full((20000, 1), math.log(2.0))
    z = model.reparametrize(mu, logstd)
    assert abs(z.std().item() - 2.0) < 0.05
    model.eval()
    assert torch.equal(model.reparametrize(mu, logstd), mu)


def test_kl_loss_by_hand_and_clamp():
    model = VGAE(Encoder())
    mu = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    logstd = torch.tensor([[0.0, math.log(0.5)], [0.0, 0.0]])
    # per node: -0.5 * sum(1 + 2 logstd - mu^2 - std^2)
    n0 = -0.5 * ((1 + 0 - 1 - 1) + (1 + 2 * math.log(0.5) - 0 - 0.25))
    n1 = -0.5 * ((1 + 0 - 0 - 1) + (1 + 0 - 4 - 1))
    assert model.kl_loss(mu, logstd).item() == pytest.approx((n0 + n1) / 2, rel=1e-6)
    big = model.kl_loss(torch.zeros(1, 1), torch.full((1, 1), 50.0))
    assert big.item() == pytest.approx(-0.5 * (1 + 20 - math.exp(20)), rel=1e-5)
    with pytest.raises(RuntimeError, match="call encode"):
        model.kl_loss()


def test_kl_loss_defaults_to_last_encode_and_trains():
    torch.manual_seed(0)
    model = VGAE(Encoder())
    x = torch.randn(6, 3)
    edge_index = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    z = model.encode(x)
    loss = model.recon_loss(z, edge_index) + model.kl_loss()
    loss.backward()
    assert model.encoder.lin.weight.grad is not None
    assert torch.allclose(model.kl_loss(), model.kl_loss(model.__mu__, model.__logstd__))


def test_encoder_must_return_pair():
    model = VGAE(torch.nn.Linear(3, 2))
    with pytest.raises(ValueError, match=r"must return a pair \(mu, logstd\), got Tensor"):
        model.encode(torch.randn(2, 3))
