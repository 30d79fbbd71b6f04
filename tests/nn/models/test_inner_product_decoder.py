"""InnerProductDecoder: hand-computed scores on a tiny latent space."""
import pytest
import torch

from distgnn.nn import InnerProductDecoder


def test_forward_and_forward_all_match_hand_computation():
    z = torch.tensor([[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]])
    edge_index = torch.tensor([[0, 1, 2], [1, 2, 0]])
    dec = InnerProductDecoder()
    logits = torch.tensor([0.5, -0.5 + 2.0, -1.0])
    assert torch.allclose(dec(z, edge_index, sigmoid=False), logits)
    assert torch.allclose(dec(z, edge_index), torch.sigmoid(logits))
    dense = torch.tensor([[1.0, 0.5, -1.0], [0.5, 4.25, 1.5], [-1.0, 1.5, 2.0]])
    assert torch.allclose(dec.forward_all(z, sigmoid=False), dense)
    assert torch.allclose(dec.forward_all(z), torch.sigmoid(dense))
    assert repr(dec) == "InnerProductDecoder()"


def test_gradient_and_bad_edge_index():
    z = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    edge_index = torch.tensor([[0, 1, 3], [2, 3, 3]])
    dec = InnerProductDecoder()
    assert torch.autograd.gradcheck(lambda t: dec(t, edge_index), (z,))
    with pytest.raises(ValueError, match=r"shape \[2, E\], got \[3\]"):
        dec(z, torch.tensor([0, 1, 2]))
