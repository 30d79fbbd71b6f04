import pytest
import torch

from distgnn.nn import JumpingKnowledge


def test_cat_and_max_by_hand():
    xs = [torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])]
    assert JumpingKnowledge("cat")(xs).tolist() == [[1.0, 5.0, 3.0, 2.0]]
    assert JumpingKnowledge("max")(xs).tolist() == [[3.0, 5.0]]


def test_lstm_is_a_convex_combination():
    torch.manual_seed(0)
    xs = [torch.randn(6, 4) for _ in range(3)]
    jk = JumpingKnowledge("lstm", channels=4, num_layers=3)
    out = jk(xs)
    assert out.shape == (6, 4)
    stacked = torch.stack(xs, 1)
    assert torch.all(out <= stacked.max(1).values + 1e-6)
    assert torch.all(out >= stacked.min(1).values - 1e-6)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        JumpingKnowledge("sum")
    with pytest.raises(ValueError, match="needs channels"):
        JumpingKnowledge("lstm")
