"""A batch of graphs merged into one disconnected graph, and back."""
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
from torch import Tensor

from distgnn.data.data import Data
from distgnn.typing import SparseTensor

__all__ = ["Batch"]


def _shift(item: Any, inc: Any) -> Any:
    """``item + inc`` for non-bool tensors and numbers; unchanged otherwise."""
    if isinstance(inc, int) and inc == 0:
        return item
    if isinstance(item, SparseTensor):
        return item
    if isinstance(item, Tensor) and item.dtype != torch.bool:
        return item + inc
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return item + inc
    return item


def _kind(item: Any) -> str:
    if isinstance(item, Tensor):
        return "scalar" if item.dim() == 0 else "tensor"
    if isinstance(item, SparseTensor):
        return "sparse"
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return "number"
    return "object"


def _cat_sparse(items: List[SparseTensor]) -> SparseTensor:
    """Block-diagonal concatenation of sparse adjacencies."""
    rows, cols, vals = [], [], []
    m = n = 0
    for item in items:
        row, col, value = item.coo()
        rows.append(row + m)
        cols.append(col + n)
        vals.append(value)
        m, n = m + item.size(0), n + item.size(1)
    value = None if any(v is None for v in vals) else torch.cat(vals, dim=0)
    return SparseTensor(row=torch.cat(rows), col=torch.cat(cols), value=value,
                        sparse_sizes=(m, n), is_sorted=True)


def _narrow_sparse(item: SparseTensor, start: int, stop: int, col_start: int,
                   col_stop: int) -> SparseTensor:
    row, col, value = item.coo()
    keep = (row >= start) & (row < stop)
    value = None if value is None else value[keep]
    return SparseTensor(row=row[keep] - start, col=col[keep] - col_start, value=value,
                        sparse_sizes=(stop - start, col_stop - col_start), is_sorted=True)


class Batch(Data):
    """Graphs concatenated into one big disconnected graph.

    ``batch`` maps every node to its graph, ``ptr`` holds the first node of every graph.
    Index attributes (``edge_index``, keys containing ``index`` or ``face``) are shifted
    by the number of nodes of the preceding graphs (see :meth:`Data.__inc__`).
    """

    def __init__(self, batch: Optional[Tensor] = None, ptr: Optional[Tensor] = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.batch = batch
        self.ptr = ptr
        self.__data_class__ = Data
        self.__slices__ = None
        self.__cumsum__ = None
        self.__cat_dims__ = None
        self.__kinds__ = None
        self.__num_nodes_list__ = None
        self.__num_graphs__ = None

    @classmethod
    def from_data_list(cls, data_list: Sequence[Data], follow_batch: Sequence[str] = (),
                       exclude_keys: Sequence[str] = ()) -> "Batch":
        """Merge graphs; ``follow_batch`` keys also get a ``<key>_batch`` assignment vector."""
        if len(data_list) == 0:
            raise ValueError("Batch.from_data_list needs at least one graph, got an empty list")
        for i, data in enumerate(data_list):
            if not isinstance(data, Data):
                raise TypeError(f"Batch.from_data_list expects Data objects, element {i} "
                                f"is {type(data).__name__}")
        follow_batch, exclude_keys = list(follow_batch or []), list(exclude_keys or [])
        keys = [k for k in data_list[0].keys if k not in exclude_keys]
        ref = data_list[0]
        parts: Dict[str, List[Any]] = {k: [] for k in keys}
        follow: Dict[str, List[Tensor]] = {k: [] for k in follow_batch}
        slices = {k: [0] for k in keys}
        cumsum: Dict[str, List[Any]] = {k: [0] for k in keys}
        cat_dims, kinds = {}, {}
        batch_vec, ptr, num_nodes_list = [], [0], []
        for i, data in enumerate(data_list):
            for key in keys:
                original = data[key]
                if original is None:
                    raise ValueError(f"graph {i} has no attribute '{key}' but graph 0 has it")
                item = _shift(original, cumsum[key][-1])
                cat_dim = data.__cat_dim__(key, original)
                kinds[key] = _kind(original)
                if isinstance(item, Tensor) and (item.dim() == 0 or cat_dim is None):
                    item = item.unsqueeze(0)
                    cat_dim = None
                cat_dims[key] = cat_dim
                parts[key].append(item)
                size = 1
                if isinstance(item, Tensor):
                    size = item.size(0 if cat_dim is None else cat_dim)
                elif isinstance(item, SparseTensor):
                    size = (item.size(0), item.size(1))
                slices[key].append(_add(size, slices[key][-1]))
                inc = data.__inc__(key, original)
                if isinstance(inc, (tuple, list)):
                    inc = torch.tensor(inc)
                cumsum[key].append(_add(inc, cumsum[key][-1]))
                if key in follow:
                    n_items = size if isinstance(size, int) else size[0]
                    follow[key].append(torch.full((n_items,), i, dtype=torch.long))
            n = data.num_nodes
            num_nodes_list.append(n)
            if n is not None:
                batch_vec.append(torch.full((n,), i, dtype=torch.long))
                ptr.append(ptr[-1] + n)
        out = cls()
        for key in keys:
            out[key] = _merge(parts[key], cat_dims[key], kinds[key])
        for key, items in follow.items():
            if items:
                out[f"{key}_batch"] = torch.cat(items)
        if batch_vec:
            out.batch = torch.cat(batch_vec)
            out.ptr = torch.tensor(ptr, dtype=torch.long)
        out.__data_class__ = ref.__class__
        out.__slices__ = slices
        out.__cumsum__ = cumsum
        out.__cat_dims__ = cat_dims
        out.__kinds__ = kinds
        out.__num_nodes_list__ = num_nodes_list
        out.__num_graphs__ = len(data_list)
        return out.contiguous()

    @property
    def num_graphs(self) -> int:
        """Number of graphs in the batch."""
        if self.__dict__.get("__num_graphs__") is not None:
            return self.__num_graphs__
        if self.ptr is not None:
            return self.ptr.numel() - 1
        if self.batch is not None:
            return int(self.batch.max()) + 1 if self.batch.numel() else 0
        raise ValueError("cannot tell the number of graphs: the batch has no 'batch' or 'ptr'")

    def _require_slices(self) -> None:
        if self.__dict__.get("__slices__") is None:
            raise RuntimeError("cannot split this Batch into graphs: it was not created by "
                               "Batch.from_data_list")

    def get_example(self, idx: int) -> Data:
        """Rebuild graph ``idx`` exactly as it was passed to :meth:`from_data_list`."""
        self._require_slices()
        if idx < 0:
            idx += self.num_graphs
        if not 0 <= idx < self.num_graphs:
            raise IndexError(f"graph index {idx} out of range for {self.num_graphs} graphs")
        data = self.__data_class__()
        for key in self.__slices__.keys():
            data[key] = self._example_item(key, idx)
        if self.__num_nodes_list__[idx] is not None:
            data.num_nodes = self.__num_nodes_list__[idx]
        return data

    def _example_item(self, key: str, idx: int) -> Any:
        item = self[key]
        start, stop = self.__slices__[key][idx], self.__slices__[key][idx + 1]
        cum = self.__cumsum__[key][idx]
        kind = self.__kinds__[key]
        if kind == "sparse":
            start = start if isinstance(start, tuple) else (start, start)
            return _narrow_sparse(item, start[0], stop[0], start[1], stop[1])
        if isinstance(item, Tensor):
            cat_dim = self.__cat_dims__[key]
            dim = 0 if cat_dim is None else cat_dim
            value = item.narrow(dim, start, stop - start)
            if value.dtype != torch.bool and not (isinstance(cum, int) and cum == 0):
                value = value - cum
            if kind == "scalar" or cat_dim is None:
                value = value.squeeze(0)
            return value.item() if kind == "number" else value
        return item[start]

    def index_select(self, idx) -> List[Data]:
        """The graphs at ``idx`` (slice, int sequence, or int/bool tensor) as a list."""
        if isinstance(idx, slice):
            positions = list(range(self.num_graphs))[idx]
        elif isinstance(idx, Tensor) and idx.dtype == torch.bool:
            positions = idx.nonzero().view(-1).tolist()
        elif isinstance(idx, Tensor):
            positions = idx.view(-1).tolist()
        elif isinstance(idx, (list, tuple)):
            positions = list(idx)
        else:
            raise IndexError(f"cannot index a Batch with {type(idx).__name__}; use an int, "
                             "slice, sequence or tensor")
        return [self.get_example(i) for i in positions]

    def __getitem__(self, idx: Union[int, str, slice, Tensor, Sequence[int]]) -> Any:
        if isinstance(idx, str):
            return super().__getitem__(idx)
        if isinstance(idx, int):
            return self.get_example(idx)
        return self.index_select(idx)

    def to_data_list(self) -> List[Data]:
        """All graphs of the batch, in order."""
        return [self.get_example(i) for i in range(self.num_graphs)]


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, tuple):
        return tuple(x + y for x, y in zip(a, b if isinstance(b, tuple) else (b, b)))
    return a + b


def _merge(items: List[Any], cat_dim: Optional[int], kind: str) -> Any:
    first = items[0]
    if isinstance(first, Tensor):
        return torch.cat(items, dim=0 if cat_dim is None else cat_dim)
    if isinstance(first, SparseTensor):
        return _cat_sparse(items)
    if kind == "number":
        return torch.tensor(items)
    return items
