"""Conversions between sparse (edge list / node list) and dense (padded) layouts."""
from typing import Optional, Tuple

import torch
from torch import Tensor

__all__ = ["to_dense_batch", "to_dense_adj", "dense_to_sparse"]


def _counts(batch: Tensor, batch_size: int) -> Tuple[Tensor, Tensor]:
    """Nodes per graph and the index of the first node of every graph."""
    count = torch.zeros(batch_size, dtype=torch.long, device=batch.device)
    count.scatter_add_(0, batch, torch.ones_like(batch))
    cum = torch.cat([count.new_zeros(1), count.cumsum(0)[:-1]])
    return count, cum


def to_dense_batch(x: Tensor, batch: Optional[Tensor] = None, fill_value: float = 0.0,
                   max_num_nodes: Optional[int] = None, batch_size: Optional[int] = None
                   ) -> Tuple[Tensor, Tensor]:
    """Pad node features of a batch into ``[B, N_max, *]``; also returns the ``[B, N_max]`` mask.

    ``batch`` must be sorted. Nodes beyond ``max_num_nodes`` in a graph are dropped.
    """
    if batch is None:
        batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
    if batch.numel() != x.size(0):
        raise ValueError(f"'batch' must have one entry per node ({x.size(0)}), got {batch.numel()}")
    if batch_size is None:
        batch_size = int(batch.max()) + 1 if batch.numel() > 0 else 1
    count, cum = _counts(batch, batch_size)
    if max_num_nodes is None:
        max_num_nodes = int(count.max()) if count.numel() > 0 else 0
    pos = torch.arange(batch.numel(), device=x.device) - cum[batch]
    keep = pos < max_num_nodes
    idx = batch[keep] * max_num_nodes + pos[keep]
    flat_shape = list(x.shape)
    flat_shape[0] = batch_size * max_num_nodes
    out = x.new_full(flat_shape, fill_value)
    out[idx] = x[keep]
    mask = torch.zeros(batch_size * max_num_nodes, dtype=torch.bool, device=x.device)
    mask[idx] = True
    out = out.view([batch_size, max_num_nodes] + list(x.shape)[1:])
    return out, mask.view(batch_size, max_num_nodes)


def to_dense_adj(edge_index: Tensor, batch: Optional[Tensor] = None,
                 edge_attr: Optional[Tensor] = None, max_num_nodes: Optional[int] = None
                 ) -> Tensor:
    """Dense adjacency ``[B, N_max, N_max(, *)]`` of a batch of graphs; duplicate edges add up."""
    if batch is None:
        n = int(edge_index.max()) + 1 if edge_index.numel() > 0 else 0
        batch = edge_index.new_zeros(n)
    batch_size = int(batch.max()) + 1 if batch.numel() > 0 else 1
    count, cum = _counts(batch, batch_size)
    graph = batch[edge_index[0]]
    src = edge_index[0] - cum[batch][edge_index[0]]
    dst = edge_index[1] - cum[batch][edge_index[1]]
    if max_num_nodes is None:
        max_num_nodes = int(count.max()) if count.numel() > 0 else 0
    if edge_attr is None:
        edge_attr = torch.ones(src.numel(), device=edge_index.device)
    keep = (src < max_num_nodes) & (dst < max_num_nodes)
    graph, src, dst, edge_attr = graph[keep], src[keep], dst[keep], edge_attr[keep]
    flat = (graph * max_num_nodes + src) * max_num_nodes + dst
    size = list(edge_attr.shape)
    size[0] = batch_size * max_num_nodes * max_num_nodes
    adj = edge_attr.new_zeros(size).index_add_(0, flat, edge_attr)
    return adj.view([batch_size, max_num_nodes, max_num_nodes] + list(edge_attr.shape)[1:])


def dense_to_sparse(adj: Tensor) -> Tuple[Tensor, Tensor]:
    """Edges and values of the non-zero entries of ``[N, N]`` or batched ``[B, N, N]`` ``adj``.

    Batched graphs are numbered consecutively (graph ``b`` holds nodes ``b*N .. b*N+N-1``).
    """
    if adj.dim() not in (2, 3) or adj.size(-1) != adj.size(-2):
        raise ValueError(f"'adj' must be square with shape [N, N] or [B, N, N], got {list(adj.shape)}")
    index = adj.nonzero().t()
    if adj.dim() == 2:
        return index, adj[index[0], index[1]]
    value = adj[index[0], index[1], index[2]]
    offset = index[0] * adj.size(-1)
    return torch.stack([offset + index[1], offset + index[2]]), value
