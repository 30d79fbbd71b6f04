"""Minimal dataset containers: an indexable collection of graphs."""
import copy
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import Tensor

from distgnn.data.data import Data

__all__ = ["Dataset", "InMemoryDataset"]


class Dataset(torch.utils.data.Dataset):
    """Base class: subclasses implement :meth:`len` and :meth:`get`.

    ``transform`` is applied to every graph on access. Indexing with a slice, index
    sequence or tensor gives a view on a subset.
    """

    def __init__(self, root: Optional[str] = None, transform: Optional[Callable] = None,
                 pre_transform: Optional[Callable] = None,
                 pre_filter: Optional[Callable] = None):
        super().__init__()
        self.root = root
        self.transform = transform
        self.pre_transform = pre_transform
        self.pre_filter = pre_filter
        self.__indices__: Optional[List[int]] = None

    def len(self) -> int:
        raise NotImplementedError

    def get(self, idx: int) -> Data:
        raise NotImplementedError

    def indices(self) -> List[int]:
        return list(range(self.len())) if self.__indices__ is None else self.__indices__

    def __len__(self) -> int:
        return len(self.indices())

    def __getitem__(self, idx):
        if isinstance(idx, (int, np.integer)) or (isinstance(idx, Tensor) and idx.dim() == 0
                                                  and not idx.is_floating_point()):
            data = self.get(self.indices()[int(idx)])
            return data if self.transform is None else self.transform(data)
        return self.index_select(idx)

    def index_select(self, idx: Union[slice, Tensor, Sequence[int]]) -> "Dataset":
        """A shallow copy restricted to the graphs at ``idx``."""
        indices = self.indices()
        if isinstance(idx, slice):
            chosen = indices[idx]
        elif isinstance(idx, Tensor) and idx.dtype == torch.bool:
            chosen = [indices[i] for i in idx.nonzero().view(-1).tolist()]
        elif isinstance(idx, (Tensor, np.ndarray)):
            chosen = [indices[int(i)] for i in idx.reshape(-1).tolist()]
        elif isinstance(idx, Sequence) and not isinstance(idx, str):
            chosen = [indices[int(i)] for i in idx]
        else:
            raise IndexError(f"datasets are indexed by int, slice, sequence or tensor, "
                             f"got {type(idx).__name__}")
        out = copy.copy(self)
        out.__indices__ = chosen
        return out

    def shuffle(self, return_perm: bool = False):
        """The dataset in random order (and the permutation when ``return_perm``)."""
        perm = torch.randperm(len(self))
        out = self.index_select(perm)
        return (out, perm) if return_perm else out

    @property
    def num_node_features(self) -> int:
        return self[0].num_node_features

    @property
    def num_features(self) -> int:
        return self.num_node_features

    @property
    def num_edge_features(self) -> int:
        return self[0].num_edge_features

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({len(self)})"


class InMemoryDataset(Dataset):
    """A dataset whose graphs are all held in memory as a list."""

    def __init__(self, data_list: Optional[List[Data]] = None, root: Optional[str] = None,
                 transform: Optional[Callable] = None, pre_transform: Optional[Callable] = None,
                 pre_filter: Optional[Callable] = None):
        super().__init__(root, transform, pre_transform, pre_filter)
        data_list = list(data_list or [])
        if pre_filter is not None:
            data_list = [d for d in data_list if pre_filter(d)]
        if pre_transform is not None:
            data_list = [pre_transform(d) for d in data_list]
        self._data_list = data_list

    def len(self) -> int:
        return len(self._data_list)

    def get(self, idx: int) -> Data:
        return self._data_list[idx].clone()

    @property
    def data(self) -> Data:
        """The single graph of a one-graph dataset (not copied)."""
        if len(self._data_list) != 1:
            raise AttributeError("'data' is only defined for datasets holding one graph, "
                                 f"this one holds {len(self._data_list)}")
        return self._data_list[0]

    @property
    def num_classes(self) -> int:
        """``max(y) + 1`` over all graphs (or the width of a 2-D ``y``)."""
        ys = [d.y for d in self._data_list if d.y is not None]
        if not ys:
            return 0
        if ys[0].dim() > 1:
            return ys[0].size(-1)
        return int(torch.cat([y.view(-1) for y in ys]).max()) + 1
