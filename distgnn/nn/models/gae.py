r"""The Graph Auto-Encoder from the `"Variational Graph Auto-Encoders"
<https://arxiv.org/abs/1611.07308>`_ paper.

An encoder maps the graph to latent node embeddings :math:`\mathbf{Z}`; a decoder
(by default :math:`\sigma(\mathbf{z}_i^{\top}\mathbf{z}_j)`) scores node pairs. The
reconstruction loss is the binary cross entropy over positive edges and sampled
negative node pairs.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from distgnn.nn.inits import reset
from distgnn.utils import negative_sampling

from .inner_product_decoder import InnerProductDecoder

__all__ = ["GAE", "EPS"]

EPS = 1e-15


def _check_edge_index(name: str, edge_index: Tensor) -> None:
    if not isinstance(edge_index, Tensor) or edge_index.dim() != 2 or edge_index.size(0) != 2:
        shape = list(edge_index.shape) if isinstance(edge_index, Tensor) else \
            type(edge_index).__name__
        raise ValueError(f"{name} must be a LongTensor of shape [2, E], got {shape}")


def _sklearn_metrics():
    try:
        from sklearn.metrics import average_precision_score, roc_auc_score
    except ImportError as e:
        raise ImportError("GAE.test needs scikit-learn for the AUC/AP scores: "
                          "pip install scikit-learn") from e
    return roc_auc_score, average_precision_score


class GAE(nn.Module):
    r"""The Graph Auto-Encoder model based on user-defined encoder and decoder models.

    Args:
        encoder (Module): The encoder module.
        decoder (Module, optional): The decoder module. If set to :obj:`None`, will
            default to :class:`distgnn.nn.models.InnerProductDecoder`.
            (default: :obj:`None`)
    """

    def __init__(self, encoder: nn.Module, decoder: Optional[nn.Module] = None):
        super().__init__()
        self.encoder = encoder
        self.decoder = InnerProductDecoder() if decoder is None else decoder
        GAE.reset_parameters(self)

    def reset_parameters(self) -> None:
        reset(self.encoder)
        reset(self.decoder)

    def encode(self, *args, **kwargs) -> Tensor:
        r"""Runs the encoder and computes node-wise latent variables."""
        return self.encoder(*args, **kwargs)

    def decode(self, *args, **kwargs) -> Tensor:
        r"""Runs the decoder and computes edge probabilities."""
        return self.decoder(*args, **kwargs)

    def recon_loss(self, z: Tensor, pos_edge_index: Tensor,
                   neg_edge_index: Optional[Tensor] = None) -> Tensor:
        r"""Binary cross entropy of the decoder on the positive edges
        ``pos_edge_index`` and on negative edges (sampled among the node pairs that
        are neither edges nor self-loops when ``neg_edge_index`` is :obj:`None`).

        Args:
            z (Tensor): The latent space :math:`\mathbf{Z}`.
            pos_edge_index (LongTensor): The positive edges to train against.
            neg_edge_index (LongTensor, optional): The negative edges to train
                against. (default: :obj:`None`)
        """
        _check_edge_index("GAE.recon_loss: pos_edge_index", pos_edge_index)
        pos_loss = -torch.log(self.decoder(z, pos_edge_index, sigmoid=True) + EPS).mean()
        if neg_edge_index is None:
            neg_edge_index = negative_sampling(pos_edge_index, z.size(0))
        else:
            _check_edge_index("GAE.recon_loss: neg_edge_index", neg_edge_index)
        neg_loss = -torch.log(1 - self.decoder(z, neg_edge_index, sigmoid=True) + EPS).mean()
        return pos_loss + neg_loss

    @torch.no_grad()
    def test(self, z: Tensor, pos_edge_index: Tensor,
             neg_edge_index: Tensor) -> Tuple[float, float]:
        r"""Area under the ROC curve (AUC) and average precision (AP) of the decoder
        separating ``pos_edge_index`` from ``neg_edge_index``.

        Args:
            z (Tensor): The latent space :math:`\mathbf{Z}`.
            pos_edge_index (LongTensor): The positive edges to evaluate against.
            neg_edge_index (LongTensor): The negative edges to evaluate against.
        """
        roc_auc_score, average_precision_score = _sklearn_metrics()
        _check_edge_index("GAE.test: pos_edge_index", pos_edge_index)
        _check_edge_index("GAE.test: neg_edge_index", neg_edge_index)
        pos_pred = self.decoder(z, pos_edge_index, sigmoid=True)
        neg_pred = self.decoder(z, neg_edge_index, sigmoid=True)
        pred = torch.cat([pos_pred, neg_pred]).detach().cpu().numpy()
        y = torch.cat([torch.ones(pos_pred.size(0)), torch.zeros(neg_pred.size(0))]).numpy()
        return float(roc_auc_score(y, pred)), float(average_precision_score(y, pred))
