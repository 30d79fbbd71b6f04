r"""The signed graph convolutional network from the `"Signed Graph Convolutional
Network" <https://arxiv.org/abs/1808.06354>`_ paper.

Stacked :class:`~distgnn.nn.conv.SignedConv` layers produce embeddings
:math:`\mathbf{z}` (positive and negative halves); a linear classifier on
:math:`[\mathbf{z}_i \,\Vert\, \mathbf{z}_j]` labels a pair as positive, negative or
no link. The objective is the classifier's negative log-likelihood plus
:math:`\lambda` times two triplet losses, which pull positively linked nodes closer
than a non-linked node and push negatively linked ones farther:

.. math::
    \mathcal{L} = \mathcal{L}_{\textrm{nll}} + \lambda \left(
    \mathrm{mean}\, \max(0, \|\mathbf{z}_i - \mathbf{z}_j\|^2 -
    \|\mathbf{z}_i - \mathbf{z}_k\|^2)_{(i,j) \in \mathcal{E}^{+}} +
    \mathrm{mean}\, \max(0, \|\mathbf{z}_i - \mathbf{z}_k\|^2 -
    \|\mathbf{z}_i - \mathbf{z}_j\|^2)_{(i,j) \in \mathcal{E}^{-}} \right)
"""
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from distgnn.nn.conv.signed_conv import SignedConv
from distgnn.utils import coalesce, negative_sampling, structured_negative_sampling

__all__ = ["SignedGCN"]


def _check_edge_index(name: str, edge_index: Tensor) -> None:
    if not isinstance(edge_index, Tensor) or edge_index.dim() != 2 or edge_index.size(0) != 2:
        shape = list(edge_index.shape) if isinstance(edge_index, Tensor) else \
            type(edge_index).__name__
        raise ValueError(f"SignedGCN: {name} must be a LongTensor of shape [2, E], got {shape}")


def _truncated_svd_components(A, k: int, seed: int) -> np.ndarray:
    """The ``k`` leading right singular vectors of ``A`` as columns ``[N, k]``."""
    from scipy.sparse.linalg import svds
    n = A.shape[0]
    if k < n - 1:
        v0 = np.random.default_rng(seed).uniform(-1.0, 1.0, size=n)
        _, s, vt = svds(A.astype(np.float64), k=k, v0=v0, maxiter=max(1000, 10 * n))
    else:
        _, s, vt = np.linalg.svd(A.toarray().astype(np.float64))
    order = np.argsort(-s)[:k]
    return vt[order].T


class SignedGCN(nn.Module):
    r"""The signed graph convolutional network model. Internally, this module uses
    the :class:`distgnn.nn.conv.SignedConv` operator.

    Args:
        in_channels (int): Size of each input sample.
        hidden_channels (int): Size of each hidden sample.
        num_layers (int): Number of layers.
        lamb (float, optional): Balances the contributions of the overall
            objective. (default: :obj:`5`)
        bias (bool, optional): If set to :obj:`False`, all layers will not learn
            an additive bias. (default: :obj:`True`)
    """

    def __init__(self, in_channels: int, hidden_channels: int, num_layers: int,
                 lamb: float = 5, bias: bool = True):
        super().__init__()
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"SignedGCN: num_layers must be an int >= 1, got {num_layers!r}")
        if not isinstance(hidden_channels, int) or hidden_channels < 2:
            raise ValueError(f"SignedGCN: hidden_channels must be an int >= 2 (split into "
                             f"positive and negative halves), got {hidden_channels!r}")
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.num_layers = num_layers
        self.lamb = lamb

        half = hidden_channels // 2
        self.conv1 = SignedConv(in_channels, half, first_aggr=True, bias=bias)
        self.convs = nn.ModuleList(
            [SignedConv(half, half, first_aggr=False, bias=bias) for _ in range(num_layers - 1)])
        self.lin = nn.Linear(2 * 2 * half, 3, bias=bias)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.conv1.reset_parameters()
        for conv in self.convs:
            conv.reset_parameters()
        self.lin.reset_parameters()

    def split_edges(self, edge_index: Tensor, test_ratio: float = 0.2) -> Tuple[Tensor, Tensor]:
        r"""Splits the edges :obj:`edge_index` into train and test edges.

        Args:
            edge_index (LongTensor): The edge indices.
            test_ratio (float, optional): The ratio of test edges. (default: :obj:`0.2`)
        """
        _check_edge_index("edge_index", edge_index)
        if not 0.0 <= test_ratio <= 1.0:
            raise ValueError(f"SignedGCN.split_edges: test_ratio must lie in [0, 1], "
                             f"got {test_ratio!r}")
        mask = torch.ones(edge_index.size(1), dtype=torch.bool, device=edge_index.device)
        num_test = int(test_ratio * mask.size(0))
        mask[torch.randperm(mask.size(0), device=edge_index.device)[:num_test]] = False
        return edge_index[:, mask], edge_index[:, ~mask]

    def create_spectral_features(self, pos_edge_index: Tensor, neg_edge_index: Tensor,
                                 num_nodes: Optional[int] = None) -> Tensor:
        r"""Creates :obj:`in_channels` spectral node features based on positive and
        negative edges: the leading right singular vectors (truncated SVD) of the
        symmetric signed adjacency matrix with entries :math:`+1` (positive link),
        :math:`-1` (negative link) and :math:`0`."""
        try:
            import scipy.sparse
        except ImportError as e:
            raise ImportError("SignedGCN.create_spectral_features needs scipy: "
                              "pip install scipy") from e
        _check_edge_index("pos_edge_index", pos_edge_index)
        _check_edge_index("neg_edge_index", neg_edge_index)
        edge_index = torch.cat([pos_edge_index, neg_edge_index], dim=1).cpu()
        N = int(edge_index.max()) + 1 if num_nodes is None else int(num_nodes)
        if self.in_channels > N:
            raise ValueError(f"SignedGCN.create_spectral_features: in_channels "
                             f"({self.in_channels}) must not exceed the number of nodes ({N})")
        val = torch.cat([torch.ones(pos_edge_index.size(1)),
                         -torch.ones(neg_edge_index.size(1))])
        row, col = edge_index
        edge_index = torch.cat([edge_index, torch.stack([col, row])], dim=1)
        edge_index, val = coalesce(edge_index, torch.cat([val, val]), N, N)
        val = val.sign()
        A = scipy.sparse.coo_matrix((val.numpy(), edge_index.numpy()), shape=(N, N)).tocsr()
        seed = int(torch.randint(0, 2 ** 31 - 1, (1,)))
        x = _truncated_svd_components(A, self.in_channels, seed)
        return torch.from_numpy(np.ascontiguousarray(x)).to(torch.float).to(pos_edge_index.device)

    def forward(self, x: Tensor, pos_edge_index: Tensor, neg_edge_index: Tensor) -> Tensor:
        r"""Computes node embeddings :obj:`z` based on positive edges
        :obj:`pos_edge_index` and negative edges :obj:`neg_edge_index`."""
        z = F.relu(self.conv1(x, pos_edge_index, neg_edge_index))
        for conv in self.convs:
            z = F.relu(conv(z, pos_edge_index, neg_edge_index))
        return z

    def discriminate(self, z: Tensor, edge_index: Tensor) -> Tensor:
        r"""Given node embeddings :obj:`z`, classifies the link relation between node
        pairs :obj:`edge_index` to be either positive (0), negative (1) or
        non-existent (2); returns log-probabilities ``[E, 3]``."""
        value = torch.cat([z[edge_index[0]], z[edge_index[1]]], dim=1)
        return torch.log_softmax(self.lin(value), dim=1)

    def nll_loss(self, z: Tensor, pos_edge_index: Tensor, neg_edge_index: Tensor) -> Tensor:
        r"""Computes the discriminator loss based on node embeddings :obj:`z`, and
        positive edges :obj:`pos_edge_index` and negative edges :obj:`neg_edge_index`
        (non-links are sampled)."""
        edge_index = torch.cat([pos_edge_index, neg_edge_index], dim=1)
        none_edge_index = negative_sampling(edge_index, z.size(0))
        loss = F.nll_loss(self.discriminate(z, pos_edge_index),
                          pos_edge_index.new_full((pos_edge_index.size(1),), 0))
        loss = loss + F.nll_loss(self.discriminate(z, neg_edge_index),
                                 neg_edge_index.new_full((neg_edge_index.size(1),), 1))
        loss = loss + F.nll_loss(self.discriminate(z, none_edge_index),
                                 none_edge_index.new_full((none_edge_index.size(1),), 2))
        return loss / 3.0

    def pos_embedding_loss(self, z: Tensor, pos_edge_index: Tensor) -> Tensor:
        r"""Computes the triplet loss between positive node pairs and sampled
        non-node pairs."""
        i, j, k = structured_negative_sampling(pos_edge_index, z.size(0))
        out = (z[i] - z[j]).pow(2).sum(dim=1) - (z[i] - z[k]).pow(2).sum(dim=1)
        return torch.clamp(out, min=0).mean()

    def neg_embedding_loss(self, z: Tensor, neg_edge_index: Tensor) -> Tensor:
        r"""Computes the triplet loss between negative node pairs and sampled
        non-node pairs."""
        i, j, k = structured_negative_sampling(neg_edge_index, z.size(0))
        out = (z[i] - z[k]).pow(2).sum(dim=1) - (z[i] - z[j]).pow(2).sum(dim=1)
        return torch.clamp(out, min=0).mean()

    def loss(self, z: Tensor, pos_edge_index: Tensor, neg_edge_index: Tensor) -> Tensor:
        r"""Computes the overall objective."""
        nll_loss = self.nll_loss(z, pos_edge_index, neg_edge_index)
        loss_1 = self.pos_embedding_loss(z, pos_edge_index)
        loss_2 = self.neg_embedding_loss(z, neg_edge_index)
        return nll_loss + self.lamb * (loss_1 + loss_2)

    def test(self, z: Tensor, pos_edge_index: Tensor,
             neg_edge_index: Tensor) -> Tuple[float, float]:
        r"""Evaluates node embeddings :obj:`z` on positive and negative test edges by
        computing AUC and F1 scores (positive links are the positive class)."""
        try:
            from sklearn.metrics import f1_score, roc_auc_score
        except ImportError as e:
            raise ImportError("SignedGCN.test needs scikit-learn: pip install scikit-learn") \
                from e
        with torch.no_grad():
            pos_p = self.discriminate(z, pos_edge_index)[:, :2].max(dim=1)[1]
            neg_p = self.discriminate(z, neg_edge_index)[:, :2].max(dim=1)[1]
        pred = (1 - torch.cat([pos_p, neg_p])).cpu()
        y = torch.cat([pred.new_ones(pos_p.size(0)), pred.new_zeros(neg_p.size(0))])
        pred, y = pred.numpy(), y.numpy()
        auc = float(roc_auc_score(y, pred))
        f1 = float(f1_score(y, pred, average="binary")) if pred.sum() > 0 else 0.0
        return auc, f1

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.hidden_channels}, "
                f"num_layers={self.num_layers})")
