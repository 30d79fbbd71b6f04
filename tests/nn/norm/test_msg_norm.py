import pytest
import torch

from distgnn.nn import MessageNorm


def test_message_norm_formula_by_hand():
    norm = MessageNorm()
    assert repr(norm) == "MessageNorm(learn_scale=False)"
    assert not norm.scale.requires_grad
    x = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    msg = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    out = norm(x, msg)
    assert torch.allclose(out, torch.tensor([[5.0, 0.0], [0.0, 1.0]]))
    # p = 1
    out1 = norm(x, msg, p=1)
    assert torch.allclose(out1, torch.tensor([[7.0, 0.0], [0.0, 1.0]]))


def test_message_norm_learn_scale():
    norm = MessageNorm(learn_scale=True)
    assert repr(norm) == "MessageNorm(learn_scale=True)" and norm.scale.requires_grad
    x, msg = torch.randn(5, 8), torch.randn(5, 8)
    with torch.no_grad():
        norm.scale.fill_(2.0)
    out = norm(x, msg)
    expected = 2.0 * x.norm(dim=-1, keepdim=True) * msg / msg.norm(dim=-1, keepdim=True)
    assert torch.allclose(out, expected, atol=1e-6)
    out.sum().backward()
    assert norm.scale.grad is not None
    norm.reset_parameters()
    assert norm.scale.item() == 1.0


def test_message_norm_errors_and_jit():
    norm = MessageNorm()
    with pytest.raises(ValueError, match="agree"):
        norm(torch.randn(3, 4), torch.randn(2, 4))
    x, msg = torch.randn(5, 8), torch.randn(5, 8)
    jit = torch.jit.script(norm)
    assert torch.allclose(jit(x, msg), norm(x, msg))


def test_message_norm_gradcheck():
    norm = MessageNorm(True).double()
    x = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    msg = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(norm, (x, msg))
