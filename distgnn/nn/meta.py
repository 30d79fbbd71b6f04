r"""MetaLayer, the graph network block of Battaglia et al., "Relational Inductive
Biases, Deep Learning, and Graph Networks" (2018).

A graph network maps a graph ``(x, edge_index, edge_attr, u)`` to a graph with the
same connectivity and updated features, in three steps:

.. math::
    \mathbf{e}^{\prime}_{k} = \phi^e(\mathbf{x}_{s_k}, \mathbf{x}_{r_k}, \mathbf{e}_k,
    \mathbf{u}), \qquad
    \mathbf{x}^{\prime}_i = \phi^v(\mathbf{x}_i, \{\mathbf{e}^{\prime}_k\}, \mathbf{u}),
    \qquad
    \mathbf{u}^{\prime} = \phi^u(\{\mathbf{x}^{\prime}_i\}, \{\mathbf{e}^{\prime}_k\},
    \mathbf{u}).
"""
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor

__all__ = ["MetaLayer"]


class MetaLayer(torch.nn.Module):
    r"""A meta layer for building any kind of graph network (Battaglia et al., 2018).

    Edge, node and global features are updated by ``edge_model``, ``node_model`` and
    ``global_model`` in that order; every model also gets a ``batch`` vector mapping
    its rows (edges for the edge model, nodes otherwise) to graphs.

    Args:
        edge_model (Module, optional): ``edge_model(src, dest, edge_attr, u, batch)``
            with ``src = x[edge_index[0]]``, ``dest = x[edge_index[1]]`` and ``batch``
            the graph of every edge; returns the new edge features. (default: ``None``)
        node_model (Module, optional): ``node_model(x, edge_index, edge_attr, u,
            batch)``; returns the new node features. (default: ``None``)
        global_model (Module, optional): ``global_model(x, edge_index, edge_attr, u,
            batch)``; returns the new global features. (default: ``None``)
    """

    def __init__(self, edge_model: Optional[Callable] = None,
                 node_model: Optional[Callable] = None,
                 global_model: Optional[Callable] = None):
        super().__init__()
        self.edge_model = edge_model
        self.node_model = node_model
        self.global_model = global_model
        self.reset_parameters()

    def reset_parameters(self):
        for item in (self.node_model, self.edge_model, self.global_model):
            if hasattr(item, "reset_parameters"):
                item.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Optional[Tensor] = None,
                u: Optional[Tensor] = None, batch: Optional[Tensor] = None
                ) -> Tuple[Tensor, Optional[Tensor], Optional[Tensor]]:
        """Returns the updated ``(x, edge_attr, u)``.

        Args:
            x (Tensor): Node features ``[N, F_x]``.
            edge_index (LongTensor): Graph connectivity ``[2, E]``.
            edge_attr (Tensor, optional): Edge features ``[E, F_e]``.
            u (Tensor, optional): Global features ``[B, F_u]``.
            batch (LongTensor, optional): Graph of every node ``[N]``.
        """
        if not isinstance(edge_index, Tensor) or edge_index.dim() != 2 \
                or edge_index.size(0) != 2:
            shape = list(edge_index.shape) if isinstance(edge_index, Tensor) else \
                type(edge_index).__name__
            raise ValueError(f"MetaLayer: edge_index must be a LongTensor of shape [2, E], "
                             f"got {shape}")
        row, col = edge_index[0], edge_index[1]
        if self.edge_model is not None:
            edge_batch = None if batch is None else batch[row]
            edge_attr = self.edge_model(x[row], x[col], edge_attr, u, edge_batch)
        if self.node_model is not None:
            x = self.node_model(x, edge_index, edge_attr, u, batch)
        if self.global_model is not None:
            u = self.global_model(x, edge_index, edge_attr, u, batch)
        return x, edge_attr, u

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(\n"
                f"    edge_model={self.edge_model},\n"
                f"    node_model={self.node_model},\n"
                f"    global_model={self.global_model}\n"
                f")")
