r"""MetaPath2Vec from the `"metapath2vec: Scalable Representation Learning for
Heterogeneous Networks"
<https://ericdongyx.github.io/papers/KDD17-dong-chawla-swami-metapath2vec.pdf>`_ paper.

Random walks in a heterogeneous graph follow a given metapath (step :math:`s` uses
edge type ``metapath[s % len(metapath)]``); the walks are cut into windows of
``context_size`` nodes and embeddings of all node types (one shared table, each type
in its own slice) are trained with the skip-gram negative-sampling objective

.. math::
    -\log \sigma(\mathbf{z}_u^{\top}\mathbf{z}_v)
    - \log (1 - \sigma(\mathbf{z}_u^{\top}\mathbf{z}_{v'})),

for a window start :math:`u`, a context node :math:`v` and a random node
:math:`v'` of the same type as :math:`v`. Walks that reach a node without an edge of
the next type continue on a dummy node.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from distgnn.sampler import context_windows, metapath_walk
from distgnn.sampler.csr import csr_from_edges

from .node2vec import skipgram_loss

__all__ = ["MetaPath2Vec"]

EdgeType = Tuple[str, str, str]


def _infer_num_nodes(edge_index_dict: Dict[EdgeType, Tensor]) -> Dict[str, int]:
    num_nodes: Dict[str, int] = {}
    for (src, _, dst), edge_index in edge_index_dict.items():
        if edge_index.numel() == 0:
            continue
        for key, ids in ((src, edge_index[0]), (dst, edge_index[1])):
            num_nodes[key] = max(int(ids.max()) + 1, num_nodes.get(key, 0))
    return num_nodes


def _check_metapath(metapath: Sequence[EdgeType], edge_index_dict, walk_length: int) -> None:
    if len(metapath) == 0:
        raise ValueError("MetaPath2Vec: metapath must name at least one edge type")
    for keys in metapath:
        if keys not in edge_index_dict:
            raise KeyError(f"MetaPath2Vec: metapath names edge type {keys}, but "
                           f"edge_index_dict has {sorted(edge_index_dict)}")
    for a, b in zip(metapath, metapath[1:]):
        if a[-1] != b[0]:
            raise ValueError(f"MetaPath2Vec: metapath does not chain: {a} is followed by {b}")
    if walk_length > len(metapath) and metapath[-1][-1] != metapath[0][0]:
        raise ValueError(f"MetaPath2Vec: a walk longer than the metapath repeats it, so it "
                         f"must end at the node type it starts from ('{metapath[0][0]}'), "
                         f"got '{metapath[-1][-1]}'")


class MetaPath2Vec(nn.Module):
    r"""The MetaPath2Vec model where random walks based on a given :obj:`metapath`
    are sampled in a heterogeneous graph, and node embeddings are learned via
    negative sampling optimization.

    Args:
        edge_index_dict (dict): Dictionary holding edge indices for each
            :obj:`(source_node_type, relation_type, target_node_type)` present in
            the heterogeneous graph.
        embedding_dim (int): The size of each embedding vector.
        metapath (list): The metapath described as a list of
            :obj:`(source_node_type, relation_type, target_node_type)` tuples.
        walk_length (int): The walk length.
        context_size (int): The actual context size which is considered for
            positive samples. This parameter increases the effective sampling rate
            by reusing samples across different source nodes.
        walks_per_node (int, optional): The number of walks to sample for each
            node. (default: :obj:`1`)
        num_negative_samples (int, optional): The number of negative samples to use
            for each positive sample. (default: :obj:`1`)
        num_nodes_dict (dict, optional): Dictionary holding the number of nodes for
            each node type. (default: :obj:`None`)
        sparse (bool, optional): If set to :obj:`True`, gradients w.r.t. to the
            weight matrix will be sparse. (default: :obj:`False`)
    """

    def __init__(self, edge_index_dict: Dict[EdgeType, Tensor], embedding_dim: int,
                 metapath: List[EdgeType], walk_length: int, context_size: int,
                 walks_per_node: int = 1, num_negative_samples: int = 1,
                 num_nodes_dict: Optional[Dict[str, int]] = None, sparse: bool = False):
        super().__init__()
        metapath = [tuple(keys) for keys in metapath]
        edge_index_dict = {tuple(k): torch.as_tensor(v) for k, v in edge_index_dict.items()}
        _check_ints(walk_length, context_size, walks_per_node, num_negative_samples)
        _check_metapath(metapath, edge_index_dict, walk_length)
        if num_nodes_dict is None:
            num_nodes_dict = _infer_num_nodes(edge_index_dict)
        types = sorted({k[0] for k in metapath} | {k[-1] for k in metapath})
        missing = [t for t in types if t not in num_nodes_dict]
        if missing:
            raise ValueError(f"MetaPath2Vec: no node count for node types {missing}; "
                             f"pass num_nodes_dict")

        self.edge_index_dict = edge_index_dict
        self.num_nodes_dict = dict(num_nodes_dict)
        self.embedding_dim = embedding_dim
        self.metapath = metapath
        self.walk_length = walk_length
        self.context_size = context_size
        self.walks_per_node = walks_per_node
        self.num_negative_samples = num_negative_samples
        self.csrs = {keys: self.__csr__(keys) for keys in dict.fromkeys(metapath)}

        count = 0
        self.start: Dict[str, int] = {}
        self.end: Dict[str, int] = {}
        for key in types:
            self.start[key] = count
            count += int(self.num_nodes_dict[key])
            self.end[key] = count
        step_types = [metapath[s % len(metapath)][-1] for s in range(walk_length)]
        position_types = [metapath[0][0]] + step_types
        self.offset = torch.tensor([self.start[t] for t in position_types])
        self.step_sizes = torch.tensor([self.num_nodes_dict[t] for t in step_types])

        # + 1 denotes a dummy node that walks move to when they get stuck.
        self.embedding = nn.Embedding(count + 1, embedding_dim, sparse=sparse)
        self.dummy_idx = count
        self.reset_parameters()

    def __csr__(self, keys: EdgeType) -> Tuple[np.ndarray, np.ndarray]:
        edge_index = self.edge_index_dict[keys]
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise ValueError(f"MetaPath2Vec: edge_index_dict[{keys}] must have shape "
                             f"[2, E], got {list(edge_index.shape)}")
        n_src, n_dst = self.num_nodes_dict[keys[0]], self.num_nodes_dict[keys[-1]]
        if edge_index.numel() and (int(edge_index[0].max()) >= n_src
                                   or int(edge_index[1].max()) >= n_dst):
            raise ValueError(f"MetaPath2Vec: edge_index_dict[{keys}] refers to nodes beyond "
                             f"num_nodes_dict ({n_src} '{keys[0]}', {n_dst} '{keys[-1]}')")
        rowptr, col, _ = csr_from_edges(edge_index[0], edge_index[1], max(n_src, n_dst))
        return rowptr[:n_src + 1], col

    def reset_parameters(self) -> None:
        self.embedding.reset_parameters()

    def forward(self, node_type: str, batch: Optional[Tensor] = None) -> Tensor:
        r"""Returns the embeddings for the nodes in :obj:`batch` of type
        :obj:`node_type` (all of them when :obj:`batch` is :obj:`None`)."""
        if node_type not in self.start:
            raise KeyError(f"MetaPath2Vec: unknown node type '{node_type}', expected one "
                           f"of {sorted(self.start)}")
        emb = self.embedding.weight[self.start[node_type]:self.end[node_type]]
        return emb if batch is None else emb.index_select(0, batch)

    def loader(self, **kwargs) -> DataLoader:
        r"""A DataLoader over the start nodes (type ``metapath[0][0]``) yielding
        ``(pos_rw, neg_rw)`` (kwargs as :class:`torch.utils.data.DataLoader`'s)."""
        return DataLoader(range(self.num_nodes_dict[self.metapath[0][0]]),
                          collate_fn=self.sample, **kwargs)

    def pos_sample(self, batch: Tensor) -> Tensor:
        r"""Context windows of :obj:`walks_per_node` metapath walks per node."""
        batch = batch.repeat(self.walks_per_node)
        seed = int(torch.randint(0, 2 ** 62, (1,)))
        walks = metapath_walk(self.csrs, self.metapath, batch, self.walk_length, seed=seed)
        stuck = walks < 0
        rw = walks + self.offset.view(1, -1)
        rw[stuck] = self.dummy_idx
        return context_windows(rw, self.context_size)

    def neg_sample(self, batch: Tensor) -> Tensor:
        r"""Context windows of walks whose steps are uniformly random nodes of the
        metapath's node types."""
        batch = batch.repeat(self.walks_per_node * self.num_negative_samples)
        rand = torch.rand(batch.numel(), self.walk_length)
        steps = (rand * self.step_sizes.view(1, -1)).long()
        steps = torch.minimum(steps, (self.step_sizes - 1).clamp(min=0).view(1, -1))
        rw = torch.cat([batch.view(-1, 1), steps], dim=1) + self.offset.view(1, -1)
        return context_windows(rw, self.context_size)

    def sample(self, batch) -> Tuple[Tensor, Tensor]:
        if not isinstance(batch, Tensor):
            batch = torch.tensor(batch, dtype=torch.long)
        return self.pos_sample(batch), self.neg_sample(batch)

    def loss(self, pos_rw: Tensor, neg_rw: Tensor) -> Tensor:
        r"""Computes the loss given positive and negative random walks."""
        return skipgram_loss(self.embedding(pos_rw), self.embedding(neg_rw))

    def test(self, train_z: Tensor, train_y: Tensor, test_z: Tensor, test_y: Tensor,
             solver: str = "lbfgs", multi_class: str = "auto", *args, **kwargs) -> float:
        r"""Evaluates latent space quality via a logistic regression downstream task
        (accuracy on ``test_z``)."""
        try:
            from sklearn.linear_model import LogisticRegression
        except ImportError as e:
            raise ImportError("MetaPath2Vec.test needs scikit-learn: "
                              "pip install scikit-learn") from e
        if multi_class != "auto":
            kwargs["multi_class"] = multi_class  # removed from recent scikit-learn
        clf = LogisticRegression(*args, solver=solver, **kwargs)
        clf.fit(_np(train_z), _np(train_y))
        return float(clf.score(_np(test_z), _np(test_y)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.embedding.weight.size(0) - 1}, {self.embedding_dim})"


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, Tensor) else t


def _check_ints(walk_length, context_size, walks_per_node, num_negative_samples) -> None:
    if not (isinstance(walk_length, int) and walk_length >= 1):
        raise ValueError(f"MetaPath2Vec: walk_length must be an int >= 1, got {walk_length!r}")
    if not (isinstance(context_size, int) and 2 <= context_size <= walk_length + 1):
        raise ValueError(f"MetaPath2Vec: context_size must be an int in [2, walk_length + 1 "
                         f"= {walk_length + 1}], got {context_size!r}")
    if not (isinstance(walks_per_node, int) and walks_per_node >= 1):
        raise ValueError(f"MetaPath2Vec: walks_per_node must be an int >= 1, "
                         f"got {walks_per_node!r}")
    if not (isinstance(num_negative_samples, int) and num_negative_samples >= 1):
        raise ValueError(f"MetaPath2Vec: num_negative_samples must be an int >= 1, "
                         f"got {num_negative_samples!r}")
