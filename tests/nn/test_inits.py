import math

import torch

from distgnn.nn import inits


def test_glorot_bounds_and_zeros_ones():
    torch.manual_seed(0)
    w = torch.empty(30, 70)
    inits.glorot(w)
    bound = math.sqrt(6.0 / 100)
    assert w.abs().max() <= bound and w.abs().max() > 0.9 * bound
    inits.zeros(w)
    assert w.abs().sum() == 0
    inits.ones(w)
    assert torch.all(w == 1)
    inits.uniform(16, w)
    assert w.abs().max() <= 0.25
    inits.glorot(None)  # optional parameters are skipped


def test_reset_calls_children():
    lin = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 3))
    before = [p.clone() for p in lin.parameters()]
    inits.reset(lin)
    assert all(not torch.equal(a, b) for a, b in zip(before, lin.parameters()))
