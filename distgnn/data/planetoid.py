"""Reader for the Planetoid citation graphs (Cora, CiteSeer, PubMed) in their ``ind.*`` format."""
import os
import pickle
import sys
from typing import Callable, List, Optional

import numpy as np
import scipy.sparse
import torch
from torch import Tensor

from distgnn.data.data import Data
from distgnn.data.dataset import InMemoryDataset
from distgnn.data.generators import coalesce_numpy

__all__ = ["read_planetoid_data", "find_planetoid_folder", "Planetoid"]

_PARTS = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")


def _load_part(folder: str, name: str, part: str):
    path = os.path.join(folder, f"ind.{name}.{part}")
    if part == "test.index":
        with open(path) as f:
            return np.array([int(line) for line in f if line.strip()], dtype=np.int64)
    with open(path, "rb") as f:
        if sys.version_info > (3, 0):
            return pickle.load(f, encoding="latin1")
        return pickle.load(f)  # pragma: no cover


def _dense(matrix) -> np.ndarray:
    if scipy.sparse.issparse(matrix):
        return np.asarray(matrix.todense())
    return np.asarray(matrix)


def _pad_test(tx: np.ndarray, ty: np.ndarray, test_index: np.ndarray):
    """Some test ids are missing (CiteSeer): give them zero features/labels."""
    lo, hi = int(test_index.min()), int(test_index.max())
    if hi - lo + 1 == tx.shape[0]:
        return tx, ty
    tx_full = np.zeros((hi - lo + 1, tx.shape[1]), dtype=tx.dtype)
    ty_full = np.zeros((hi - lo + 1, ty.shape[1]), dtype=ty.dtype)
    rows = np.sort(test_index) - lo
    tx_full[rows] = tx
    ty_full[rows] = ty
    return tx_full, ty_full


def _edges(graph, num_nodes: int) -> Tensor:
    rows, cols = [], []
    for node, neighbours in graph.items():
        rows.extend([int(node)] * len(neighbours))
        cols.extend(int(v) for v in neighbours)
    return coalesce_numpy(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                          num_nodes, symmetric=True, remove_self_loops=True)


def _mask(index, size: int) -> Tensor:
    mask = torch.zeros(size, dtype=torch.bool)
    mask[torch.as_tensor(index, dtype=torch.long)] = True
    return mask


def read_planetoid_data(folder: str, name: str) -> Data:
    """Read ``ind.<name>.*`` from ``folder`` into a graph with the standard split.

    Train: the labelled nodes of ``ind.<name>.y`` (the first ``20 * num_classes``);
    validation: the next 500 nodes; test: the nodes listed in ``test.index``.
    ``edge_index`` is undirected, coalesced, without self-loops.
    """
    name = name.lower()
    missing = [p for p in _PARTS if not os.path.isfile(os.path.join(folder, f"ind.{name}.{p}"))]
    if missing:
        raise FileNotFoundError(f"Planetoid '{name}' needs ind.{name}.{{{','.join(_PARTS)}}} in "
                                f"'{folder}'; missing: {', '.join(missing)}")
    x, tx, allx, y, ty, ally, graph, test_index = (_load_part(folder, name, p) for p in _PARTS)
    tx, ty = _pad_test(_dense(tx), _dense(ty), test_index)
    features = np.concatenate([_dense(allx), tx]).astype(np.float32)
    labels = np.concatenate([_dense(ally), ty])
    sorted_test = np.sort(test_index)
    features[test_index] = features[sorted_test]
    labels[test_index] = labels[sorted_test]
    num_nodes = features.shape[0]
    num_train = _dense(y).shape[0]
    data = Data(x=torch.from_numpy(features), edge_index=_edges(graph, num_nodes),
                y=torch.from_numpy(labels.argmax(axis=1).astype(np.int64)))
    data.train_mask = _mask(np.arange(num_train), num_nodes)
    data.val_mask = _mask(np.arange(num_train, num_train + 500), num_nodes)
    data.test_mask = _mask(sorted_test, num_nodes)
    return data


def find_planetoid_folder(root: str, name: str) -> str:
    """The folder holding ``ind.<name>.*``: ``root``, ``root/<name>/raw`` or ``root/<name>``."""
    lower = name.lower()
    candidates: List[str] = [root]
    for sub in {name, lower, name.capitalize()}:
        candidates += [os.path.join(root, sub, "raw"), os.path.join(root, sub)]
    for folder in candidates:
        if os.path.isfile(os.path.join(folder, f"ind.{lower}.graph")):
            return folder
    raise FileNotFoundError(f"no ind.{lower}.* files found in any of: {', '.join(candidates)}")


def _resplit(data: Data, split: str, num_classes: int, num_train_per_class: int,
             num_val: int, num_test: int) -> None:
    if split == "full":
        data.train_mask = ~(data.val_mask | data.test_mask)
        return
    n = data.num_nodes
    train = torch.zeros(n, dtype=torch.bool)
    for c in range(num_classes):
        idx = (data.y == c).nonzero().view(-1)
        train[idx[torch.randperm(idx.numel())[:num_train_per_class]]] = True
    rest = (~train).nonzero().view(-1)
    rest = rest[torch.randperm(rest.numel())]
    data.train_mask = train
    data.val_mask = _mask(rest[:num_val], n)
    data.test_mask = _mask(rest[num_val:num_val + num_test], n)


class Planetoid(InMemoryDataset):
    """The Cora/CiteSeer/PubMed citation graph as a one-graph dataset.

    ``root`` holds the ``ind.<name>.*`` files (directly, or under ``<name>/raw``).
    ``split``: ``'public'`` (the standard split), ``'full'`` (all nodes outside
    validation/test train) or ``'random'`` (``num_train_per_class`` per class, then
    ``num_val`` and ``num_test`` random nodes; torch's global RNG).
    """

    def __init__(self, root: str, name: str, split: str = "public",
                 num_train_per_class: int = 20, num_val: int = 500, num_test: int = 1000,
                 transform: Optional[Callable] = None, pre_transform: Optional[Callable] = None):
        if split not in ("public", "full", "random"):
            raise ValueError(f"'split' must be 'public', 'full' or 'random', got {split!r}")
        self.name = name
        self.split = split
        folder = find_planetoid_folder(root, name)
        data = read_planetoid_data(folder, name)
        num_classes = int(data.y.max()) + 1
        if split != "public":
            _resplit(data, split, num_classes, num_train_per_class, num_val, num_test)
        super().__init__([data], root, transform, pre_transform)

    def __repr__(self) -> str:
        return f"{self.name}()"
