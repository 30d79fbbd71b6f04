r"""The inner product decoder from the `"Variational Graph Auto-Encoders"
<https://arxiv.org/abs/1611.07308>`_ paper.

.. math::
    \sigma(\mathbf{Z}\mathbf{Z}^{\top})
"""
from torch import Tensor, nn

__all__ = ["InnerProductDecoder"]


class InnerProductDecoder(nn.Module):
    r"""The inner product decoder

    .. math::
        \sigma(\mathbf{Z}\mathbf{Z}^{\top})

    where :math:`\mathbf{Z} \in \mathbb{R}^{N \times d}` denotes the latent space
    produced by the encoder.
    """

    def forward(self, z: Tensor, edge_index: Tensor, sigmoid: bool = True) -> Tensor:
        r"""Probabilities (or logits with ``sigmoid=False``) of the node pairs
        ``edge_index`` being edges: :math:`\sigma(\mathbf{z}_i^{\top}\mathbf{z}_j)`."""
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise ValueError(f"InnerProductDecoder: edge_index must have shape [2, E], "
                             f"got {list(edge_index.shape)}")
        value = (z.index_select(0, edge_index[0]) * z.index_select(0, edge_index[1])).sum(dim=-1)
        return value.sigmoid() if sigmoid else value

    def forward_all(self, z: Tensor, sigmoid: bool = True) -> Tensor:
        r"""The dense probabilistic adjacency :math:`\sigma(\mathbf{Z}\mathbf{Z}^{\top})`."""
        adj = z @ z.t()
        return adj.sigmoid() if sigmoid else adj
