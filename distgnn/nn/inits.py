"""Parameter initialisers (as ``torch_geometric.nn.inits``)."""
import math
from typing import Any

import torch
from torch import Tensor

__all__ = ["uniform", "kaiming_uniform", "glorot", "glorot_orthogonal", "zeros", "ones",
           "normal", "reset"]


def uniform(size: int, tensor: Any) -> None:
    """Fill with U(-1/sqrt(size), 1/sqrt(size))."""
    if tensor is not None:
        bound = 1.0 / math.sqrt(size)
        tensor.data.uniform_(-bound, bound)


def kaiming_uniform(tensor: Any, fan: int, a: float) -> None:
    """He initialisation with leaky-ReLU slope ``a`` and fan ``fan``."""
    if tensor is not None:
        bound = math.sqrt(6 / ((1 + a ** 2) * fan))
        tensor.data.uniform_(-bound, bound)


def glorot(tensor: Any) -> None:
    """Glorot/Xavier uniform over the last two dimensions."""
    if tensor is not None:
        stdv = math.sqrt(6.0 / (tensor.size(-2) + tensor.size(-1)))
        tensor.data.uniform_(-stdv, stdv)


def glorot_orthogonal(tensor: Any, scale: float) -> None:
    """Orthogonal initialisation rescaled to the Glorot variance times ``scale``."""
    if tensor is not None:
        torch.nn.init.orthogonal_(tensor.data)
        scale /= (tensor.size(-2) + tensor.size(-1)) * tensor.var()
        tensor.data *= scale.sqrt()


def zeros(tensor: Any) -> None:
    if tensor is not None:
        tensor.data.fill_(0)


def ones(tensor: Any) -> None:
    if tensor is not None:
        tensor.data.fill_(1)


def normal(tensor: Any, mean: float, std: float) -> None:
    if tensor is not None:
        tensor.data.normal_(mean, std)


def reset(nn: Any) -> None:
    """Call ``reset_parameters()`` on ``nn`` and, recursively, on its children."""
    def _reset(item):
        if hasattr(item, "reset_parameters"):
            item.reset_parameters()

    if nn is not None:
        if hasattr(nn, "children") and sum(1 for _ in nn.children()) > 0:
            for item in nn.children():
                _reset(item)
        else:
            _reset(nn)
