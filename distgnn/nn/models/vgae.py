r"""The Variational Graph Auto-Encoder from the `"Variational Graph Auto-Encoders"
<https://arxiv.org/abs/1611.07308>`_ paper.

The encoder returns :math:`(\mu, \log\sigma)`; latent variables are sampled as
:math:`\mathbf{z} = \mu + \epsilon \cdot \sigma` during training (and :math:`\mu`
at evaluation), and the KL divergence to :math:`\mathcal{N}(0, I)` is

.. math::
    -\frac{1}{2N} \sum_{i} \sum_{d} \left(1 + 2\log\sigma_{id} - \mu_{id}^2
    - \sigma_{id}^2 \right)
"""
from typing import Optional

import torch
from torch import Tensor, nn

from .gae import GAE

__all__ = ["VGAE", "MAX_LOGSTD"]

MAX_LOGSTD = 10


class VGAE(GAE):
    r"""The Variational Graph Auto-Encoder model.

    Args:
        encoder (Module): The encoder module to compute :math:`\mu` and
            :math:`\log\sigma^2`.
        decoder (Module, optional): The decoder module. If set to :obj:`None`, will
            default to :class:`distgnn.nn.models.InnerProductDecoder`.
            (default: :obj:`None`)
    """

    def __init__(self, encoder: nn.Module, decoder: Optional[nn.Module] = None):
        super().__init__(encoder, decoder)
        self.__mu__: Optional[Tensor] = None
        self.__logstd__: Optional[Tensor] = None

    def reparametrize(self, mu: Tensor, logstd: Tensor) -> Tensor:
        r""":math:`\mu + \epsilon\,e^{\log\sigma}` with :math:`\epsilon \sim
        \mathcal{N}(0, I)` in training mode, :math:`\mu` otherwise."""
        if self.training:
            return mu + torch.randn_like(logstd) * torch.exp(logstd)
        return mu

    def encode(self, *args, **kwargs) -> Tensor:
        r"""Runs the encoder, stores :math:`\mu` and :math:`\log\sigma` (clamped to
        at most 10) and returns the reparametrized latent variables."""
        out = self.encoder(*args, **kwargs)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ValueError(f"{type(self).__name__}: the encoder must return a pair "
                             f"(mu, logstd), got {type(out).__name__}")
        self.__mu__, logstd = out
        self.__logstd__ = logstd.clamp(max=MAX_LOGSTD)
        return self.reparametrize(self.__mu__, self.__logstd__)

    def kl_loss(self, mu: Optional[Tensor] = None, logstd: Optional[Tensor] = None) -> Tensor:
        r"""The KL loss for the given :math:`\mu` and :math:`\log\sigma` (by default
        the ones stored by the last :meth:`encode`).

        Args:
            mu (Tensor, optional): The latent space for :math:`\mu`. If set to
                :obj:`None`, uses the last computation of :math:`\mu`.
                (default: :obj:`None`)
            logstd (Tensor, optional): The latent space for :math:`\log\sigma`. If
                set to :obj:`None`, uses the last computation of :math:`\log\sigma`.
                (default: :obj:`None`)
        """
        mu = self.__mu__ if mu is None else mu
        logstd = self.__logstd__ if logstd is None else logstd.clamp(max=MAX_LOGSTD)
        if mu is None or logstd is None:
            raise RuntimeError(f"{type(self).__name__}.kl_loss: call encode() first or "
                               f"pass mu and logstd")
        return -0.5 * torch.mean(
            torch.sum(1 + 2 * logstd - mu ** 2 - logstd.exp() ** 2, dim=1))
