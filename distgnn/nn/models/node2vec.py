"""Node2Vec: skip-gram node embeddings trained on biased random walks."""
import math
from typing import Optional, Tuple

import numba
import numpy as np
import torch
from numba import njit, prange
from torch import Tensor, nn
from torch.utils.data import DataLoader

from distgnn.embedding import empty_table, init_tables, train_skipgram
from distgnn.sampler.csr import out_csr
from distgnn.sampler.walks import context_windows, random_walk

__all__ = ["Node2Vec", "skipgram_loss", "skipgram_loss_and_grad", "fused_skipgram_loss"]

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


# -- the same loss fused with its gradient (CPU) ----------------------------------------
# Entries of the windows index ``rows``; one pass gives the loss and d loss / d rows
# without materialising the [B, C, D] tensors of gathered rows.

@njit(cache=True, nogil=True, inline="always")
def _pair(rows, grad, c, x, scale, positive):
    d = rows.shape[1]
    s = 0.0
    for k in range(d):
        s += rows[c, k] * rows[x, k]
    sig = 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))
    if positive:
        loss = -math.log(sig + EPS)
        g = -sig * (1.0 - sig) / (sig + EPS) * scale
    else:
        loss = -math.log(1.0 - sig + EPS)
        g = sig * (1.0 - sig) / (1.0 - sig + EPS) * scale
    for k in range(d):
        rc = rows[c, k]
        grad[c, k] += g * rows[x, k]
        grad[x, k] += g * rc
    return loss


@njit(cache=True, nogil=True)
def _windows(rows, idx, lo, hi, grad, scale, positive):
    loss = 0.0
    for w in range(lo, hi):
        c = idx[w, 0]
        for j in range(1, idx.shape[1]):
            loss += _pair(rows, grad, c, idx[w, j], scale, positive)
    return loss


@njit(cache=True, nogil=True, parallel=True)
def _loss_grad(rows, pos, neg, grads):
    """Thread ``t`` adds into ``grads[t]``; returns the summed per-chunk losses."""
    chunks = grads.shape[0]
    sp = 1.0 / max(1, pos.shape[0] * (pos.shape[1] - 1))
    sn = 1.0 / max(1, neg.shape[0] * (neg.shape[1] - 1))
    losses = np.zeros(chunks)
    for t in prange(chunks):
        a, b = pos.shape[0] * t // chunks, pos.shape[0] * (t + 1) // chunks
        losses[t] += _windows(rows, pos, a, b, grads[t], sp, True) * sp
        a, b = neg.shape[0] * t // chunks, neg.shape[0] * (t + 1) // chunks
        losses[t] += _windows(rows, neg, a, b, grads[t], sn, False) * sn
    return losses.sum()


def skipgram_loss_and_grad(rows: Tensor, pos: Tensor, neg: Tensor,
                           threads: int = 0) -> Tuple[float, Tensor]:
    """Loss and ``d loss / d rows`` for windows ``pos``/``neg`` (``[*, C]`` indices into ``rows``).

    ``threads`` splits the windows over that many gradient buffers (0: numba's
    thread count, capped so the buffers stay small next to the batch).
    """
    r = np.ascontiguousarray(rows.detach().numpy(), dtype=np.float32)
    p = np.ascontiguousarray(pos.numpy(), dtype=np.int64)
    n = np.ascontiguousarray(neg.numpy(), dtype=np.int64)
    if threads <= 0:
        work = p.shape[0] * p.shape[1] + n.shape[0] * n.shape[1]
        threads = max(1, min(numba.get_num_threads(), work // max(1, 4 * r.shape[0])))
    grads = np.zeros((threads,) + r.shape, np.float32)
    loss = _loss_grad(r, p, n, grads)
    grad = grads[0] if threads == 1 else grads.sum(0)
    return float(loss), torch.from_numpy(grad)


class _FusedSkipGram(torch.autograd.Function):
    @staticmethod
    def forward(ctx, rows, pos, neg):
        loss, grad = skipgram_loss_and_grad(rows, pos, neg)
        ctx.save_for_backward(grad)
        return rows.new_tensor(loss)

    @staticmethod
    def backward(ctx, out_grad):
        (grad,) = ctx.saved_tensors
        return grad * out_grad, None, None


def fused_skipgram_loss(embedding, pos_rw: Tensor, neg_rw: Tensor) -> Tensor:
    """:func:`skipgram_loss` of ``embedding(pos_rw)`` and ``embedding(neg_rw)``, computed on
    the distinct rows only (fused kernel on CPU float32, autograd elsewhere)."""
    ids = torch.cat([pos_rw.reshape(-1), neg_rw.reshape(-1)])
    uniq, inv = torch.unique(ids, return_inverse=True)
    rows = embedding(uniq)
    k = pos_rw.numel()
    pos, neg = inv[:k].view(pos_rw.shape), inv[k:].view(neg_rw.shape)
    if rows.device.type != "cpu" or rows.dtype != torch.float32:
        return skipgram_loss(rows[pos], rows[neg])
    return _FusedSkipGram.apply(rows, pos, neg)


class Node2Vec(nn.Module):
    r"""The Node2Vec model (Grover & Leskovec, 2016).

    Random walks of ``walk_length`` steps with return parameter ``p`` and
    in-out parameter ``q`` are cut into windows of ``context_size`` nodes; the
    embeddings are trained so a window's first node scores high against the
    rest of the window and low against ``num_negative_samples`` random windows.

    Two ways to train: the 1.7 recipe (:meth:`loader` + :meth:`loss` + an
    optimizer), or :meth:`fit`, word2vec's trainer (one SGD step per pair,
    several negatives, a linearly decaying rate, lock-free threads), which
    learns far more per second.

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
        self._context = None  # fit()'s output table, drawn on the next fit()

    def fit(self, epochs: Optional[int] = None, **trainer_options) -> "Node2Vec":
        r"""Train the embedding table in place with word2vec's skip-gram trainer.

        ``epochs`` (default: None) passes over all nodes; None takes enough of them for
        every node to start about ``FIT_VISITS`` = 600 walk positions
        (``ceil(600 / (walks_per_node * (walk_length + 1)))``, :func:`fit_epochs`):
        3 with the 1.7 example's 10 walks of 20 steps (Cora: 0.704/0.696/0.713 test
        accuracy over 3 seeds, against 1 epoch's 0.686), 8 with one walk of 80. One
        epoch of few short walks leaves word2vec's tables near their start: on a
        20k-node planted graph (4 walks of 20 steps) 1 epoch reached 0.071, 8 reached 0.72.

        Each epoch walks ``walks_per_node`` times from every node (``walk_length``,
        ``p``, ``q`` as given to the model) and takes one SGD step per (context,
        centre) pair within ``window`` of each other, with negatives from
        ``degree ** 0.75`` (:func:`distgnn.embedding.train_skipgram`). A second
        table (word2vec's output vectors) lives beside the embedding, outside the
        ``state_dict``; ``model()`` returns the trained input vectors.

        Args (trainer options, default: ...):
            window: largest centre-context distance (``context_size - 1``: the
                pairs of the model's windows, on both sides).
            num_negative_samples: negatives per centre (1, chosen for accuracy per
                second; word2vec's default is 5). On Cora (10 walks of 80 steps per
                node, window 10, 3 epochs, 3 seeds, test accuracy after epochs 1/2/3):
                1 negative 0.695/0.704/0.711 at 11.8/16.2/21.8 s, 5 negatives
                0.699/0.710 after epochs 1/3 at 18.0/54.0 s (loaded machine), against
                PecanPy + gensim's 0.701 at 68.6 s. One epoch, 2 seeds: 1 negative
                0.686 in 0.27x the time of 5 (0.698), 10 negatives 0.701 in 2.5x.
                One negative takes its own fused step (2.1x the pairs per CPU-second
                of 5), so a second epoch of it costs less than the first of 5 and
                overtakes it.
            lr, min_lr: linear decay over all epochs (0.025 to 1e-4, word2vec's;
                0.05 gave 0.696 +- 0.017 against 0.698 +- 0.005).
            sample: frequent-node subsampling threshold, 0 for none (0: 1e-3
                gave 0.694 on Cora; node frequencies on graphs are flatter than
                words'; worth trying on graphs with heavy hubs).
            init: ``'word2vec'`` redraws the table uniform in ``[-0.5/d, 0.5/d)`` on the
                first fit after :meth:`reset_parameters`; ``'keep'`` trains from the
                current values ('word2vec': from ``nn.Embedding``'s N(0, 1) rows the
                scores saturate, and Cora reached 0.550 instead of 0.698).
            threads: lock-free threads (0: one thread for tables below
                ``SMALL_TABLE_ROWS`` = 65536 rows, numba's thread count above). On Cora
                (2708 rows, quiet machine, 3 seeds) 2 threads reached 0.691/0.698/0.702
                after epochs 1/2/3 at 1.6/2.8/4.0 s, one thread 0.708 after its first
                epoch at 2.3 s (PecanPy + gensim: 0.702 at 14.9 s): on a small table
                the threads' unlocked updates collide often enough to cost more
                accuracy than the second thread gains time.
            batch_walks: walks per kernel call (65536: ~42 MB of walks at length 80).
            seed: walks and draws (None: drawn from the model's generator).
            with_loss, on_epoch: see :func:`~distgnn.embedding.train_skipgram`.

        Returns ``self``.
        """
        if epochs is None:
            epochs = fit_epochs(self.walks_per_node, self.walk_length)
        opts = _fit_options(self, epochs, trainer_options)
        init = opts.pop("init")
        weight = self.embedding.weight
        if weight.device.type != "cpu" or weight.dtype != torch.float32:
            raise TypeError(f"fit() trains a CPU float32 table, got {weight.dtype} on {weight.device}")
        if self._context is None:
            if init == "word2vec":  # the new rows (on huge pages when large) become the weight's data
                weight.data = torch.from_numpy(
                    init_tables(self.num_nodes, self.embedding_dim, opts["seed"])[0])
            self._context = empty_table(self.num_nodes, self.embedding_dim)
        table = weight.data.numpy()
        if not table.flags.c_contiguous:
            raise TypeError("fit() trains a C-contiguous embedding table")
        train_skipgram(self.rowptr, self.col, table, self._context, walk_length=self.walk_length,
                       walks_per_node=self.walks_per_node, p=self.p, q=self.q, epochs=epochs,
                       **opts)
        return self

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
        return fused_skipgram_loss(self.embedding, pos_rw, neg_rw)

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


#: walk positions per node (start nodes and steps) that fit()'s default epochs reach
FIT_VISITS = 600


def fit_epochs(walks_per_node: int, walk_length: int) -> int:
    """fit()'s default epochs: ``ceil(FIT_VISITS / (walks_per_node * (walk_length + 1)))``."""
    return max(1, -(-FIT_VISITS // (int(walks_per_node) * (int(walk_length) + 1))))


#: fit() trains tables of fewer rows on one thread unless told otherwise (see fit's ``threads``)
SMALL_TABLE_ROWS = 1 << 16

_FIT_DEFAULTS = dict(num_negative_samples=1, lr=0.025, min_lr=1e-4, sample=0.0, init="word2vec",
                     threads=0, batch_walks=65536, seed=None, with_loss=False, on_epoch=None)


def _fit_options(model: "Node2Vec", epochs, options) -> dict:
    allowed = {"window"} | set(_FIT_DEFAULTS)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"fit() got unknown trainer options {unknown}; expected some of "
                        f"{sorted(allowed)}")
    if not (isinstance(epochs, int) and epochs >= 1):
        raise ValueError(f"epochs must be an int >= 1 or None, got {epochs!r}")
    opts = {**_FIT_DEFAULTS, "window": model.context_size - 1, **options}
    if opts["init"] not in ("word2vec", "keep"):
        raise ValueError(f"init must be 'word2vec' or 'keep', got {opts['init']!r}")
    if opts["seed"] is None:
        opts["seed"] = model._next_seed()
    if opts["threads"] == 0 and model.num_nodes < SMALL_TABLE_ROWS:
        opts["threads"] = 1
    return opts


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
