r"""The Adversarially Regularized Variational Graph Auto-Encoder from the
`"Adversarially Regularized Graph Autoencoder for Graph Embedding"
<https://arxiv.org/abs/1802.04407>`_ paper.

:class:`ARGA` with a variational encoder returning :math:`(\mu, \log\sigma)`:
embeddings are reparametrized as in :class:`VGAE`, which also provides the KL loss.
"""
from typing import Optional

from torch import Tensor, nn

from .arga import ARGA
from .vgae import VGAE

__all__ = ["ARGVA"]


class ARGVA(ARGA):
    r"""The Adversarially Regularized Variational Graph Auto-Encoder model.

    Args:
        encoder (Module): The encoder module to compute :math:`\mu` and
            :math:`\log\sigma^2`.
        discriminator (Module): The discriminator module.
        decoder (Module, optional): The decoder module. If set to :obj:`None`, will
            default to :class:`distgnn.nn.models.InnerProductDecoder`.
            (default: :obj:`None`)
    """

    def __init__(self, encoder: nn.Module, discriminator: nn.Module,
                 decoder: Optional[nn.Module] = None):
        super().__init__(encoder, discriminator, decoder)
        # Shares encoder and decoder; holds mu/logstd of the last encode().
        self.VGAE = VGAE(encoder, self.decoder)

    @property
    def __mu__(self) -> Optional[Tensor]:
        return self.VGAE.__mu__

    @property
    def __logstd__(self) -> Optional[Tensor]:
        return self.VGAE.__logstd__

    def reparametrize(self, mu: Tensor, logstd: Tensor) -> Tensor:
        return self.VGAE.reparametrize(mu, logstd)

    def encode(self, *args, **kwargs) -> Tensor:
        r"""Runs the encoder and returns reparametrized latent variables."""
        return self.VGAE.encode(*args, **kwargs)

    def kl_loss(self, mu: Optional[Tensor] = None, logstd: Optional[Tensor] = None) -> Tensor:
        r"""The KL loss of :class:`VGAE` for ``mu`` and ``logstd`` (by default those of
        the last :meth:`encode`)."""
        return self.VGAE.kl_loss(mu, logstd)
