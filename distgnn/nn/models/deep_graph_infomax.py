r"""Deep Graph Infomax from the `"Deep Graph Infomax"
<https://arxiv.org/abs/1809.10341>`_ paper.

An encoder :math:`\mathcal{E}` embeds the graph (patches :math:`\mathbf{h}_i`) and
a corrupted copy :math:`\mathcal{C}(\mathbf{X}, \mathbf{A})`
(:math:`\tilde{\mathbf{h}}_i`); a readout :math:`\mathcal{R}` summarizes the
clean embeddings into :math:`\mathbf{s}`, and a bilinear discriminator
:math:`\mathcal{D}(\mathbf{h}, \mathbf{s}) = \sigma(\mathbf{h}^{\top}\mathbf{W}\mathbf{s})`
is trained with

.. math::
    \mathcal{L} = -\frac{1}{N}\sum_i \log \mathcal{D}(\mathbf{h}_i, \mathbf{s})
    -\frac{1}{N}\sum_i \log (1 - \mathcal{D}(\tilde{\mathbf{h}}_i, \mathbf{s})).
"""
from typing import Callable, Tuple

import torch
from torch import Tensor, nn
from torch.nn import Parameter

from distgnn.nn.inits import reset, uniform

__all__ = ["DeepGraphInfomax"]

EPS = 1e-15


class DeepGraphInfomax(nn.Module):
    r"""The Deep Graph Infomax model based on user-defined encoder and summary
    model :math:`\mathcal{E}` and :math:`\mathcal{R}` respectively, and a
    corruption function :math:`\mathcal{C}`.

    Args:
        hidden_channels (int): The latent space dimensionality.
        encoder (Module): The encoder module :math:`\mathcal{E}`.
        summary (callable): The readout function :math:`\mathcal{R}`, called as
            ``summary(z, *args, **kwargs)``.
        corruption (callable): The corruption function :math:`\mathcal{C}`,
            called with the encoder's arguments; returns the encoder's (corrupted)
            arguments (a tuple, or a single tensor).
    """

    def __init__(self, hidden_channels: int, encoder: nn.Module, summary: Callable,
                 corruption: Callable):
        super().__init__()
        if not isinstance(hidden_channels, int) or hidden_channels < 1:
            raise ValueError(f"DeepGraphInfomax: hidden_channels must be a positive int, "
                             f"got {hidden_channels!r}")
        self.hidden_channels = hidden_channels
        self.encoder = encoder
        self.summary = summary
        self.corruption = corruption
        self.weight = Parameter(torch.empty(hidden_channels, hidden_channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset(self.encoder)
        reset(self.summary)
        uniform(self.hidden_channels, self.weight)

    def forward(self, *args, **kwargs) -> Tuple[Tensor, Tensor, Tensor]:
        r"""Returns the latent space for the input arguments, their corruptions and
        their summary representation: ``(pos_z, neg_z, summary)``."""
        pos_z = self.encoder(*args, **kwargs)
        cor = self.corruption(*args, **kwargs)
        cor = cor if isinstance(cor, tuple) else (cor,)
        neg_z = self.encoder(*cor)
        summary = self.summary(pos_z, *args, **kwargs)
        return pos_z, neg_z, summary

    def discriminate(self, z: Tensor, summary: Tensor, sigmoid: bool = True) -> Tensor:
        r"""Given the patch-summary pair ``z`` and ``summary``, computes the
        probability scores :math:`\sigma(\mathbf{z}\mathbf{W}\mathbf{s})` assigned to
        this patch-summary pair (logits with ``sigmoid=False``)."""
        if z.size(-1) != self.hidden_channels:
            raise ValueError(f"DeepGraphInfomax: expected embeddings with "
                             f"{self.hidden_channels} channels, got {z.size(-1)}")
        value = z @ (self.weight @ summary)
        return torch.sigmoid(value) if sigmoid else value

    def loss(self, pos_z: Tensor, neg_z: Tensor, summary: Tensor) -> Tensor:
        r"""Computes the mutual information maximization objective."""
        pos_loss = -torch.log(self.discriminate(pos_z, summary, sigmoid=True) + EPS).mean()
        neg_loss = -torch.log(1 - self.discriminate(neg_z, summary, sigmoid=True) + EPS).mean()
        return pos_loss + neg_loss

    def test(self, train_z: Tensor, train_y: Tensor, test_z: Tensor, test_y: Tensor,
             solver: str = "lbfgs", multi_class: str = "auto", *args, **kwargs) -> float:
        r"""Evaluates latent space quality via a logistic regression downstream task
        (accuracy on ``test_z``)."""
        try:
            from sklearn.linear_model import LogisticRegression
        except ImportError as e:
            raise ImportError("DeepGraphInfomax.test needs scikit-learn: "
                              "pip install scikit-learn") from e
        if multi_class != "auto":
            kwargs["multi_class"] = multi_class  # removed from recent scikit-learn
        clf = LogisticRegression(*args, solver=solver, **kwargs)
        clf.fit(_np(train_z), _np(train_y))
        return float(clf.score(_np(test_z), _np(test_y)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.hidden_channels})"


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, Tensor) else t
