"""Conversions to and from scipy sparse matrices and networkx graphs."""
from typing import Iterable, Optional, Tuple

import numpy as np
import scipy.sparse
import torch
from torch import Tensor

from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["to_scipy_sparse_matrix", "from_scipy_sparse_matrix", "to_networkx", "from_networkx"]


def to_scipy_sparse_matrix(edge_index: Tensor, edge_attr: Optional[Tensor] = None,
                           num_nodes: Optional[int] = None) -> scipy.sparse.coo_matrix:
    """``N x N`` COO matrix with ``edge_attr`` (or ones) at the edges."""
    n = maybe_num_nodes(edge_index, num_nodes)
    row, col = edge_index.cpu().numpy()
    if edge_attr is None:
        value = np.ones(row.size, dtype=np.float32)
    else:
        value = edge_attr.detach().view(-1).cpu().numpy()
        if value.size != row.size:
            raise ValueError(f"'edge_attr' must hold one scalar per edge ({row.size}), "
                             f"got {value.size} values")
    return scipy.sparse.coo_matrix((value, (row, col)), shape=(n, n))


def from_scipy_sparse_matrix(A) -> Tuple[Tensor, Tensor]:
    """``(edge_index, edge_weight)`` of the stored entries of a scipy sparse matrix."""
    A = A.tocoo()
    edge_index = torch.from_numpy(np.stack([A.row, A.col]).astype(np.int64))
    return edge_index, torch.from_numpy(A.data)


def _networkx():
    try:
        import networkx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_networkx/from_networkx need the 'networkx' package") from exc
    return networkx


def _as_python(value):
    return value.tolist() if isinstance(value, Tensor) else value


def to_networkx(data, node_attrs: Optional[Iterable[str]] = None,
                edge_attrs: Optional[Iterable[str]] = None, to_undirected: bool = False,
                remove_self_loops: bool = False):
    """A networkx ``DiGraph`` (or ``Graph`` with ``to_undirected``) of ``data``.

    Listed node/edge attributes are copied as Python values. With ``to_undirected`` the
    input is taken as undirected and only its edges ``(u, v)`` with ``v <= u`` are read.
    """
    nx = _networkx()
    G = nx.Graph() if to_undirected else nx.DiGraph()
    G.add_nodes_from(range(data.num_nodes))
    node_values = {key: _as_python(data[key]) for key in (node_attrs or [])}
    edge_values = {key: _as_python(data[key]) for key in (edge_attrs or [])}
    for i, (u, v) in enumerate(data.edge_index.t().tolist()):
        if (to_undirected and v > u) or (remove_self_loops and u == v):
            continue
        G.add_edge(u, v, **{key: values[i] for key, values in edge_values.items()})
    for key, values in node_values.items():
        for i, value in enumerate(values):
            G.nodes[i][key] = value
    return G


def from_networkx(G):
    """A :class:`distgnn.data.Data` from a networkx graph; numeric attributes become tensors.

    Nodes are numbered in ``G.nodes`` order; an undirected graph yields both directions.
    """
    from distgnn.data import Data
    nx = _networkx()
    G = nx.convert_node_labels_to_integers(G)
    G = G.to_directed() if not nx.is_directed(G) else G
    edges = list(G.edges)
    edge_index = torch.tensor([[u, v] for u, v, *_ in edges], dtype=torch.long).view(-1, 2).t()
    values = {}
    for i, (_, attrs) in enumerate(G.nodes(data=True)):
        for key, value in attrs.items():
            values.setdefault(key, []).append(value)
    for i, (*_, attrs) in enumerate(G.edges(data=True)):
        for key, value in attrs.items():
            values.setdefault(key, []).append(value)
    data = Data(edge_index=edge_index.contiguous())
    for key, items in values.items():
        try:
            data[key] = torch.tensor(items)
        except (ValueError, TypeError, RuntimeError):
            data[key] = items
    data.num_nodes = G.number_of_nodes()
    return data
