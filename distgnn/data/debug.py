"""Consistency checks for :class:`Data` objects."""
import torch
from torch import Tensor

__all__ = ["check_data"]


def _fail(message: str) -> None:
    raise RuntimeError(message)


def _check_edges(data) -> None:
    edge_index = data.edge_index
    if not isinstance(edge_index, Tensor):
        return
    if edge_index.dtype != torch.long:
        _fail(f"'edge_index' must be torch.long, found {edge_index.dtype}")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        _fail(f"'edge_index' must have shape [2, num_edges], found {list(edge_index.shape)}")
    n = data.num_nodes
    if edge_index.numel() > 0 and n is not None:
        lo, hi = int(edge_index.min()), int(edge_index.max())
        if lo < 0 or hi >= n:
            _fail(f"'edge_index' holds ids in [{lo}, {hi}] but the graph has {n} nodes")
    attr = data.edge_attr
    if isinstance(attr, Tensor) and attr.size(0) != edge_index.size(1):
        _fail(f"'edge_attr' has {attr.size(0)} rows but there are {edge_index.size(1)} edges")


def _check_nodes(data) -> None:
    n = data.num_nodes
    for key in ("x", "pos", "normal"):
        item = data[key]
        if isinstance(item, Tensor) and n is not None and item.size(0) != n:
            _fail(f"'{key}' has {item.size(0)} rows but the graph has {n} nodes")


def check_data(data) -> None:
    """Raise ``RuntimeError`` on the first inconsistency between attributes."""
    _check_edges(data)
    _check_nodes(data)
    face = data.face
    if isinstance(face, Tensor) and (face.dim() != 2 or face.size(0) != 3):
        _fail(f"'face' must have shape [3, num_faces], found {list(face.shape)}")
