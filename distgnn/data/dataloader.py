"""Mini-batch loaders over lists/datasets of graphs."""
from collections.abc import Mapping, Sequence
from typing import Any, List, Sequence as Seq

import torch
import torch.utils.data
from torch.utils.data.dataloader import default_collate

from distgnn.data.batch import Batch
from distgnn.data.data import Data

__all__ = ["Collater", "DataLoader", "DataListLoader", "DenseDataLoader"]


class Collater:
    """Merge a list of samples: graphs into a :class:`Batch`, tensors stacked,
    numbers into tensors, strings kept as lists, mappings and sequences recursively."""

    def __init__(self, follow_batch: Seq[str] = (), exclude_keys: Seq[str] = ()):
        self.follow_batch = list(follow_batch or [])
        self.exclude_keys = list(exclude_keys or [])

    def collate(self, batch: List[Any]) -> Any:
        elem = batch[0]
        if isinstance(elem, Data):
            return Batch.from_data_list(batch, self.follow_batch, self.exclude_keys)
        if isinstance(elem, torch.Tensor):
            return default_collate(batch)
        if isinstance(elem, bool):
            return torch.tensor(batch)
        if isinstance(elem, float):
            return torch.tensor(batch, dtype=torch.float)
        if isinstance(elem, int):
            return torch.tensor(batch)
        if isinstance(elem, str):
            return list(batch)
        if isinstance(elem, Mapping):
            return {key: self.collate([d[key] for d in batch]) for key in elem}
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):
            return type(elem)(*(self.collate(s) for s in zip(*batch)))
        if isinstance(elem, Sequence):
            return [self.collate(s) for s in zip(*batch)]
        raise TypeError(f"DataLoader found an element of unsupported type {type(elem).__name__}")

    def __call__(self, batch: List[Any]) -> Any:
        return self.collate(batch)


class DataLoader(torch.utils.data.DataLoader):
    """Loads mini-batches of graphs (merged into one :class:`Batch`) from a dataset.

    Extra keyword arguments go to :class:`torch.utils.data.DataLoader`.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False,
                 follow_batch: Seq[str] = (), exclude_keys: Seq[str] = (), **kwargs: Any):
        kwargs.pop("collate_fn", None)
        self.follow_batch = list(follow_batch or [])
        self.exclude_keys = list(exclude_keys or [])
        super().__init__(dataset, batch_size, shuffle,
                         collate_fn=Collater(self.follow_batch, self.exclude_keys), **kwargs)


def _identity(data_list: List[Data]) -> List[Data]:
    return data_list


class DataListLoader(torch.utils.data.DataLoader):
    """Loads mini-batches as plain Python lists of graphs (for data-parallel scattering)."""

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, **kwargs: Any):
        kwargs.pop("collate_fn", None)
        super().__init__(dataset, batch_size, shuffle, collate_fn=_identity, **kwargs)


def dense_collate(data_list: List[Data]) -> Batch:
    """Stack every attribute of equally-sized dense graphs along a new batch dimension."""
    batch = Batch()
    for key in data_list[0].keys:
        batch[key] = default_collate([data[key] for data in data_list])
    return batch


class DenseDataLoader(torch.utils.data.DataLoader):
    """Loads mini-batches of dense graphs (same node count, e.g. ``adj`` ``[N, N]``) by stacking."""

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, **kwargs: Any):
        kwargs.pop("collate_fn", None)
        super().__init__(dataset, batch_size, shuffle, collate_fn=dense_collate, **kwargs)
