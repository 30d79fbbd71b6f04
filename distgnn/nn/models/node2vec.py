"""Node2Vec: skip-gram node embeddings trained on biased random walks."""
from typing import Optional, Tuple

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from distgnn.sampler.csr import out_csr
from distgnn.sampler.walks import context_windows, random_walk

__all__ = ["Node2Vec", "skipgram_loss"]

EPS = 1e-15


def skipgram_loss(h_pos: Tensor, h_neg: Tensor) -> Tensor:
    """Negative-sampling skip-gram loss from embedded windows ``[B, C, D]``.

    Column 0 of each window is the centre node; the other columns are its
    context (positives in ``h_pos``, random nodes in ``h_neg``).
    """
    def scores(h: Tensor) -> Tensor:
        return torch.bmm(h[:, 1:], h[:, 0].unsqueeze(-1)).view(-1)
    pos_loss = -torch.log(torch.sigmoid(scores(h_pos)) + EPS).mean()
    neg_loss = -torch.log(1 - torch.sigmoid(scores(h_neg)) + EPS).mean()
    return pos_loss + neg_loss


class Node2Vec(nn.Module):
    r"""The Node2Vec model (Grover & Leskovec, 2016).

    Random walks of ``walk_length`` steps with return parameter ``p`` and
    in-out parameter ``q`` are cut into windows of ``context_size`` nodes; the
    embeddings are trained so a window's first node scores high against the
    rest of the window and low against ``num_negative_samples`` random windows.

    Args:
        edge_index: ``[2, E]`` edges (walks follow ``edge_index[0] -> edge_index[1]``).
        embedding_dim: size of each embedding.
        walk_length: steps of each walk.
        context_size: nodes per window (``<= walk_length + 1``).
        walks_per_node: walks started from each node of a batch.
        p, q: return and in-out parameters of the biased walk.
        num_negative_samples: negative windows per positive one.
        num_nodes: number of nodes (default ``max(edge_index) + 1``).
        sparse: sparse embedding gradients (``torch.optim.SparseAdam``).
    """

    def __init__(self, edge_index: Tensor, embedding_dim: int, walk_length: int,
                 context_size: int, walks_per_node: int = 1, p: float = 1.0, q: float = 1.0,
                 num_negative_samples: int = 1, num_nodes: Optional[int] = None,
                 sparse: bool = False) -> None:
        super().__init__()
        _check_args(walk_length, context_size, walks_per_node, num_negative_samples, p, q)
        edge_index = torch.as_tensor(edge_index)
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise ValueError(f"edge_index must have shape [2, E], got {tuple(edge_index.shape)}")
        if num_nodes is None:
            num_nodes = int(edge_index.max()) + 1 if edge_index.numel() else 0
        self.num_nodes = int(num_nodes)
        rowptr, col, _ = out_csr(edge_index, self.num_nodes)
        self.rowptr, self.col = rowptr, col  # numpy CSR used by the walk kernel
        self.embedding_dim, self.walk_length = embedding_dim, walk_length
        self.context_size, self.walks_per_node = context_size, walks_per_node
        self.p, self.q, self.num_negative_samples = float(p), float(q), num_negative_samples
        self.embedding = nn.Embedding(self.num_nodes, embedding_dim, sparse=sparse)
        self._seed = torch.Generator().manual_seed(int(torch.initial_seed()) % (2**62))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.embedding.reset_parameters()

    def forward(self, batch: Optional[Tensor] = None) -> Tensor:
        """Embeddings of the nodes in ``batch`` (all nodes when None)."""
        emb = self.embedding.weight
        return emb if batch is None else emb.index_select(0, batch)

    def loader(self, **kwargs) -> DataLoader:
        """A DataLoader over all nodes yielding ``(pos_rw, neg_rw)`` (kwargs as DataLoader's)."""
        return DataLoader(range(self.num_nodes), collate_fn=self.sample, **kwargs)

    def _next_seed(self) -> int:
        return int(torch.randint(0, 2**62, (1,), generator=self._seed))

    def pos_sample(self, batch: Tensor) -> Tensor:
        """Windows of ``walks_per_node`` random walks from each node of ``batch``."""
        batch = torch.as_tensor(batch, dtype=torch.long).repeat(self.walks_per_node)
        walks = random_walk(self.rowptr, self.col, batch, self.walk_length, self.p, self.q,
                            seed=self._next_seed())
        return context_windows(walks, self.context_size)

    def neg_sample(self, batch: Tensor) -> Tensor:
        """Windows of uniformly random 'walks' from each node of ``batch``."""
        batch = torch.as_tensor(batch, dtype=torch.long)
        batch = batch.repeat(self.walks_per_node * self.num_negative_samples)
        gen = torch.Generator().manual_seed(self._next_seed())
        rand = torch.randint(self.num_nodes, (batch.numel(), self.walk_length), generator=gen)
        return context_windows(torch.cat([batch.view(-1, 1), rand], dim=1), self.context_size)

    def sample(self, batch) -> Tuple[Tensor, Tensor]:
        batch = torch.as_tensor(batch, dtype=torch.long)
        return self.pos_sample(batch), self.neg_sample(batch)

    def loss(self, pos_rw: Tensor, neg_rw: Tensor) -> Tensor:
        """Skip-gram loss with negative sampling on windows ``[B, context_size]``."""
        return skipgram_loss(self.embedding(pos_rw), self.embedding(neg_rw))

    def test(self, train_z: Tensor, train_y: Tensor, test_z: Tensor, test_y: Tensor,
             solver: str = "lbfgs", multi_class: str = "auto", *args, **kwargs) -> float:
        """Accuracy of a logistic regression fitted on ``train_z`` and scored on ``test_z``."""
        try:
            from sklearn.linear_model import LogisticRegression
        except ImportError as e:
            raise ImportError("Node2Vec.test needs scikit-learn: pip install scikit-learn") from e
        if multi_class != "auto":
            kwargs["multi_class"] = multi_class  # removed from recent scikit-learn
        clf = LogisticRegression(*args, solver=solver, **kwargs)
        clf.fit(_np(train_z), _np(train_y))
        return float(clf.score(_np(test_z), _np(test_y)))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.num_nodes}, {self.embedding_dim})"


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, Tensor) else t


def _check_args(walk_length, context_size, walks_per_node, num_negative_samples, p, q) -> None:
    if not (isinstance(walk_length, int) and walk_length >= 1):
        raise ValueError(f"walk_length must be an int >= 1, got {walk_length!r}")
    if not (isinstance(context_size, int) and 2 <= context_size <= walk_length + 1):
        raise ValueError(f"context_size must be an int in [2, walk_length + 1 = {walk_length + 1}], "
                         f"got {context_size!r}")
    if not (isinstance(walks_per_node, int) and walks_per_node >= 1):
        raise ValueError(f"walks_per_node must be an int >= 1, got {walks_per_node!r}")
    if not (isinstance(num_negative_samples, int) and num_negative_samples >= 1):
        raise ValueError(f"num_negative_samples must be an int >= 1, got {num_negative_samples!r}")
    if not (p > 0 and q > 0):
        raise ValueError(f"p and q must be > 0, got p={p!r}, q={q!r}")
