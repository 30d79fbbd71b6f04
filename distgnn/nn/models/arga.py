r"""The Adversarially Regularized Graph Auto-Encoder from the `"Adversarially
Regularized Graph Autoencoder for Graph Embedding" <https://arxiv.org/abs/1802.04407>`_
paper.

A graph auto-encoder whose latent space is pushed towards a Gaussian prior by a
discriminator :math:`\mathcal{D}`: the discriminator learns to tell prior samples
:math:`\mathbf{z}' \sim \mathcal{N}(0, I)` (real) from embeddings (fake),

.. math::
    \mathcal{L}_{\mathcal{D}} = -\log \sigma(\mathcal{D}(\mathbf{z}'))
    - \log (1 - \sigma(\mathcal{D}(\mathbf{z}))),

while the encoder is regularized with :math:`-\log \sigma(\mathcal{D}(\mathbf{z}))`.
"""
from typing import Optional

import torch
from torch import Tensor, nn

from distgnn.nn.inits import reset

from .gae import EPS, GAE

__all__ = ["ARGA"]


class ARGA(GAE):
    r"""The Adversarially Regularized Graph Auto-Encoder model.

    Args:
        encoder (Module): The encoder module.
        discriminator (Module): The discriminator module.
        decoder (Module, optional): The decoder module. If set to :obj:`None`, will
            default to :class:`distgnn.nn.models.InnerProductDecoder`.
            (default: :obj:`None`)
    """

    def __init__(self, encoder: nn.Module, discriminator: nn.Module,
                 decoder: Optional[nn.Module] = None):
        super().__init__(encoder, decoder)
        self.discriminator = discriminator
        reset(self.discriminator)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        reset(self.discriminator)

    def reg_loss(self, z: Tensor) -> Tensor:
        r"""The regularization loss of the encoder, :math:`-\log
        \sigma(\mathcal{D}(\mathbf{z}))` averaged over nodes.

        Args:
            z (Tensor): The latent space :math:`\mathbf{Z}`.
        """
        real = torch.sigmoid(self.discriminator(z))
        return -torch.log(real + EPS).mean()

    def discriminator_loss(self, z: Tensor) -> Tensor:
        r"""The loss of the discriminator: prior samples are real, the (detached)
        embeddings ``z`` fake.

        Args:
            z (Tensor): The latent space :math:`\mathbf{Z}`.
        """
        real = torch.sigmoid(self.discriminator(torch.randn_like(z)))
        fake = torch.sigmoid(self.discriminator(z.detach()))
        real_loss = -torch.log(real + EPS).mean()
        fake_loss = -torch.log(1 - fake + EPS).mean()
        return real_loss + fake_loss
