"""ARGA: regularization and discriminator losses by hand."""
import math

import pytest
import torch

from distgnn.nn import ARGA


class Const(torch.nn.Module):
    """A discriminator scoring every row with the sum of its entries."""

    def forward(self, z):
        return z.sum(dim=-1, keepdim=True)


class Identity(torch.nn.Module):
    def forward(self, x):
        return x


def test_reg_loss_by_hand():
    model = ARGA(Identity(), Const())
    z = torch.tensor([[1.0, 0.0], [0.0, -1.0]])
    expected = -(math.log(1 / (1 + math.exp(-1))) + math.log(1 / (1 + math.exp(1)))) / 2
    assert model.reg_loss(z).item() == pytest.approx(expected, rel=1e-6)


def test_discriminator_loss_by_hand_and_detaches_z():
    torch.manual_seed(0)
    model = ARGA(Identity(), Const())
    z = torch.tensor([[1.0, 0.0], [0.0, -1.0]], requires_grad=True)
    torch.manual_seed(1)
    loss = model.discriminator_loss(z)
    torch.manual_seed(1)
    real = torch.sigmoid(torch.randn(2, 2).sum(-1))
    fake = torch.sigmoid(torch.tensor([1.0, -1.0]))
    expected = -torch.log(real).mean() - torch.log(1 - fake).mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert not loss.requires_grad  # z is detached; Const has no parameters


def test_training_step_updates_discriminator():
    torch.manual_seed(0)
    disc = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    model = ARGA(torch.nn.Linear(3, 2), disc)
    opt = torch.optim.Adam(disc.parameters(), lr=0.05)
    z = model.encode(torch.randn(20, 3)) + 3.0
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = model.discriminator_loss(z)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    before = [p.clone() for p in disc.parameters()]
    model.reset_parameters()
    assert any(not torch.equal(a, b) for a, b in zip(before, disc.parameters()))
