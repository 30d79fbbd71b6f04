"""A graph object holding arbitrary named attributes (node features, edges, labels, ...)."""
import copy
import re
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import torch
from torch import Tensor

from distgnn.typing import SparseTensor

__all__ = ["Data", "size_repr"]

_INDEX_KEY = re.compile("(index|face)")


def size_repr(key: str, item: Any, indent: int = 0) -> str:
    """Short description of one attribute, e.g. ``x=[3, 16]``."""
    pad = " " * indent
    if isinstance(item, Tensor) and item.dim() == 0:
        out = str(item.item())
    elif isinstance(item, Tensor):
        out = str(list(item.size()))
    elif isinstance(item, SparseTensor):
        out = str(list(item.sizes()))[:-1] + f", nnz={item.nnz()}]"
    elif isinstance(item, (list, tuple)):
        out = str([len(item)])
    elif isinstance(item, dict):
        lines = [pad + size_repr(k, v, 2) for k, v in item.items()]
        out = "{\n" + ",\n".join(lines) + "\n" + pad + "}"
    elif isinstance(item, str):
        out = f'"{item}"'
    else:
        out = str(item)
    return f"{pad}{key}={out}"


class Data:
    """A single graph; any keyword becomes an attribute.

    Common attributes: ``x`` node features ``[N, F]``, ``edge_index`` ``[2, E]``,
    ``edge_attr`` ``[E, D]``, ``y`` targets, ``pos`` positions ``[N, P]``,
    ``normal`` normals, ``face`` triangles ``[3, T]``.
    Attributes whose key contains ``index`` or ``face`` are node indices: they are
    concatenated along the last dimension and shifted by ``num_nodes`` when batched.
    """

    def __init__(self, x: Optional[Tensor] = None, edge_index: Optional[Tensor] = None,
                 edge_attr: Optional[Tensor] = None, y: Optional[Tensor] = None,
                 pos: Optional[Tensor] = None, normal: Optional[Tensor] = None,
                 face: Optional[Tensor] = None, **kwargs: Any):
        self.x = x
        self.edge_index = edge_index
        self.edge_attr = edge_attr
        self.y = y
        self.pos = pos
        self.normal = normal
        self.face = face
        for key, item in kwargs.items():
            if key == "num_nodes":
                self.__num_nodes__ = item
            else:
                self[key] = item
        if edge_index is not None and isinstance(edge_index, Tensor) \
                and edge_index.dtype != torch.long:
            raise ValueError("Argument 'edge_index' needs to be of type torch.long, "
                             f"got {edge_index.dtype}")
        if face is not None and isinstance(face, Tensor) and face.dtype != torch.long:
            raise ValueError(f"Argument 'face' needs to be of type torch.long, got {face.dtype}")

    # ------------------------------------------------------------------ dict-like access
    @classmethod
    def from_dict(cls, dictionary: Dict[str, Any]) -> "Data":
        """Create a graph from a ``{key: value}`` dictionary."""
        data = cls()
        for key, item in dictionary.items():
            data[key] = item
        return data

    def to_dict(self) -> Dict[str, Any]:
        """All non-``None`` attributes as a dictionary."""
        return {key: item for key, item in self}

    def to_namedtuple(self):
        """All non-``None`` attributes as a named tuple."""
        from collections import namedtuple
        keys = self.keys
        return namedtuple("DataTuple", keys)(*[self[key] for key in keys])

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key, None)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def __delitem__(self, key: str) -> None:
        if key in self.__dict__:
            delattr(self, key)

    @property
    def keys(self) -> List[str]:
        """Names of the attributes that are set (not ``None``)."""
        keys = [key for key in self.__dict__.keys() if self[key] is not None]
        return [key for key in keys if key[:2] != "__" and key[-2:] != "__"]

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def __iter__(self) -> Iterator[Tuple[str, Any]]:
        for key in sorted(self.keys):
            yield key, self[key]

    def __call__(self, *keys: str) -> Iterator[Tuple[str, Any]]:
        """Iterate over ``(key, value)`` for the given keys (all keys if none) that are set."""
        for key in sorted(self.keys) if not keys else keys:
            if key in self:
                yield key, self[key]

    # ------------------------------------------------------------------ batching hooks
    def __cat_dim__(self, key: str, value: Any) -> int:
        """Dimension along which ``value`` is concatenated when graphs are batched."""
        return -1 if _INDEX_KEY.search(key) else 0

    def __inc__(self, key: str, value: Any) -> int:
        """Offset added to ``value`` of each following graph when graphs are batched."""
        return self.num_nodes if _INDEX_KEY.search(key) else 0

    # ------------------------------------------------------------------ sizes
    @property
    def num_nodes(self) -> Optional[int]:
        """Number of nodes: set explicitly, or inferred from x/pos/norm/batch/adj/face/edge_index."""
        explicit = self.__dict__.get("__num_nodes__")
        if explicit is not None:
            return explicit
        for key, item in self("x", "pos", "normal", "batch"):
            if isinstance(item, Tensor):
                return item.size(self.__cat_dim__(key, item))
        for key in ("adj", "adj_t"):
            item = self[key]
            if isinstance(item, SparseTensor):
                return item.size(0) if key == "adj" else item.size(1)
        face = self.face
        if isinstance(face, Tensor):
            return int(face.max()) + 1 if face.numel() > 0 else 0
        edge_index = self.edge_index
        if isinstance(edge_index, Tensor):
            return int(edge_index.max()) + 1 if edge_index.numel() > 0 else 0
        return None

    @num_nodes.setter
    def num_nodes(self, num_nodes: Optional[int]) -> None:
        self.__num_nodes__ = num_nodes

    @property
    def num_edges(self) -> Optional[int]:
        """Number of (directed) edges, from edge_index, edge_attr or a sparse adjacency."""
        for key, item in self("edge_index", "edge_attr"):
            if isinstance(item, Tensor):
                return item.size(self.__cat_dim__(key, item))
        for key, item in self("adj", "adj_t"):
            if isinstance(item, SparseTensor):
                return int(item.nnz())
        return None

    @property
    def num_faces(self) -> Optional[int]:
        """Number of faces in a mesh (``face.size(-1)``)."""
        face = self.face
        return face.size(self.__cat_dim__("face", face)) if isinstance(face, Tensor) else None

    @property
    def num_node_features(self) -> int:
        """Feature dimension of ``x`` (0 when there is no ``x``)."""
        x = self.x
        if x is None:
            return 0
        return 1 if x.dim() == 1 else x.size(1)

    @property
    def num_features(self) -> int:
        """Alias of :attr:`num_node_features`."""
        return self.num_node_features

    @property
    def num_edge_features(self) -> int:
        """Feature dimension of ``edge_attr`` (0 when there is none)."""
        edge_attr = self.edge_attr
        if edge_attr is None:
            return 0
        return 1 if edge_attr.dim() == 1 else edge_attr.size(1)

    # ------------------------------------------------------------------ graph properties
    def is_coalesced(self) -> bool:
        """Whether ``edge_index`` is sorted by (row, col) without duplicates."""
        from distgnn.utils import coalesce
        edge_index = self.edge_index
        if edge_index is None:
            return True
        out, _ = coalesce(edge_index, None, self.num_nodes, self.num_nodes)
        return out.numel() == edge_index.numel() and bool((out == edge_index).all())

    def coalesce(self) -> "Data":
        """Sort and deduplicate ``edge_index`` (summing ``edge_attr``), in place."""
        from distgnn.utils import coalesce
        if self.edge_index is not None:
            n = self.num_nodes
            self.edge_index, self.edge_attr = coalesce(self.edge_index, self.edge_attr, n, n)
        return self

    def contains_isolated_nodes(self) -> bool:
        """Whether some node has no incident edge."""
        from distgnn.utils import contains_isolated_nodes
        return contains_isolated_nodes(self.edge_index, self.num_nodes)

    def contains_self_loops(self) -> bool:
        """Whether some edge goes from a node to itself."""
        from distgnn.utils import contains_self_loops
        return contains_self_loops(self.edge_index)

    def is_undirected(self) -> bool:
        """Whether every edge (with its attribute) also appears reversed."""
        from distgnn.utils import is_undirected
        return is_undirected(self.edge_index, self.edge_attr, self.num_nodes)

    def is_directed(self) -> bool:
        """Negation of :meth:`is_undirected`."""
        return not self.is_undirected()

    # ------------------------------------------------------------------ tensor transforms
    def _apply(self, item: Any, func: Callable) -> Any:
        if isinstance(item, Tensor):
            return func(item)
        if isinstance(item, SparseTensor):
            return _apply_sparse(item, func)
        if isinstance(item, (tuple, list)):
            return type(item)(self._apply(v, func) for v in item)
        if isinstance(item, dict):
            return {k: self._apply(v, func) for k, v in item.items()}
        return item

    def apply(self, func: Callable, *keys: str) -> "Data":
        """Apply ``func`` to every tensor attribute (or only those in ``keys``), in place."""
        for key, item in self(*keys):
            self[key] = self._apply(item, func)
        return self

    def contiguous(self, *keys: str) -> "Data":
        """Make tensor attributes contiguous in memory."""
        return self.apply(lambda x: x.contiguous(), *keys)

    def to(self, device, *keys: str, **kwargs: Any) -> "Data":
        """Move tensor attributes to ``device``."""
        return self.apply(lambda x: x.to(device, **kwargs), *keys)

    def cpu(self, *keys: str) -> "Data":
        """Move tensor attributes to CPU memory."""
        return self.apply(lambda x: x.cpu(), *keys)

    def cuda(self, device=None, *keys: str, non_blocking: bool = False) -> "Data":
        """Move tensor attributes to a CUDA device."""
        return self.apply(lambda x: x.cuda(device, non_blocking=non_blocking), *keys)

    def pin_memory(self, *keys: str) -> "Data":
        """Copy tensor attributes to pinned memory."""
        return self.apply(lambda x: x.pin_memory(), *keys)

    def clone(self) -> "Data":
        """Deep copy: tensors are cloned, everything else deep-copied."""
        out = self.__class__.__new__(self.__class__)
        for key, item in self.__dict__.items():
            out.__dict__[key] = item.clone() if isinstance(item, Tensor) else copy.deepcopy(item)
        return out

    def __copy__(self) -> "Data":
        out = self.__class__.__new__(self.__class__)
        out.__dict__.update(self.__dict__)
        return out

    # ------------------------------------------------------------------ checks & display
    def debug(self) -> None:
        """Raise ``RuntimeError`` describing the first inconsistency found."""
        from distgnn.data.debug import check_data
        check_data(self)

    def __repr__(self) -> str:
        cls = self.__class__.__name__
        has_dict = any(isinstance(item, dict) for _, item in self)
        if not has_dict:
            return f"{cls}({', '.join(size_repr(k, v) for k, v in self)})"
        info = ",\n".join(size_repr(k, v, indent=2) for k, v in self)
        return f"{cls}(\n{info}\n)"


def _apply_sparse(item: SparseTensor, func: Callable) -> SparseTensor:
    """Apply ``func`` to the index and value tensors of a SparseTensor."""
    row, col, value = item.coo()
    value = func(value) if value is not None else None
    return SparseTensor(row=func(row), col=func(col), value=value,
                        sparse_sizes=(item.size(0), item.size(1)), is_sorted=True)
