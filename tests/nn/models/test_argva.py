"""ARGVA: variational encoding, KL loss and adversarial losses together."""
import math

import pytest
import torch

from distgnn.nn import ARGVA


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 4)

    def forward(self, x):
        h = self.lin(x)
        return h[:, :2], h[:, 2:]


def test_encode_stores_mu_logstd_and_kl_matches_formula():
    torch.manual_seed(0)
    disc = torch.nn.Linear(2, 1)
    model = ARGVA(Encoder(), disc)
    x = torch.randn(5, 3)
    z = model.encode(x)
    mu, logstd = model.__mu__, model.__logstd__
    assert z.shape == (5, 2) and mu.shape == (5, 2)
    expected = -0.5 * torch.mean(torch.sum(1 + 2 * logstd - mu ** 2 - logstd.exp() ** 2, 1))
    assert torch.allclose(model.kl_loss(), expected)
    model.eval()
    assert torch.allclose(model.encode(x), model.__mu__)
    assert torch.equal(model.reparametrize(mu, logstd), mu)


def test_full_loss_backward_reaches_encoder_and_discriminator():
    torch.manual_seed(0)
    disc = torch.nn.Linear(2, 1)
    model = ARGVA(Encoder(), disc)
    x = torch.randn(6, 3)
    edge_index = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    z = model.encode(x)
    loss = model.recon_loss(z, edge_index) + model.reg_loss(z) + model.kl_loss() / 6
    loss.backward()
    assert model.encoder.lin.weight.grad is not None
    disc.zero_grad()
    model.discriminator_loss(z).backward()
    assert disc.weight.grad is not None
    assert len(list(model.parameters())) == 4  # encoder and discriminator, shared once


def test_kl_loss_with_explicit_arguments():
    model = ARGVA(Encoder(), torch.nn.Linear(2, 1))
    kl = model.kl_loss(torch.zeros(2, 1), torch.full((2, 1), math.log(2.0)))
    assert kl.item() == pytest.approx(-0.5 * (1 + 2 * math.log(2.0) - 4.0), rel=1e-6)
