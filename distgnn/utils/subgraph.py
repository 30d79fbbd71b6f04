"""Induced subgraphs and k-hop neighbourhoods."""
from typing import List, Optional, Tuple, Union

import torch
from torch import Tensor

from distgnn.utils.num_nodes import maybe_num_nodes

__all__ = ["subgraph", "k_hop_subgraph"]


def _as_mask(subset, num_nodes: int, device) -> Tensor:
    if isinstance(subset, (list, tuple)):
        subset = torch.tensor(subset, dtype=torch.long, device=device)
    if not isinstance(subset, Tensor):
        raise TypeError(f"'subset' must be a tensor or list of node ids or a bool mask, "
                        f"got {type(subset).__name__}")
    if subset.dtype == torch.bool:
        if subset.numel() != num_nodes:
            raise ValueError(f"bool 'subset' must have one entry per node ({num_nodes}), "
                             f"got {subset.numel()}")
        return subset
    mask = torch.zeros(num_nodes, dtype=torch.bool, device=device)
    mask[subset.long()] = True
    return mask


def subgraph(subset: Union[Tensor, List[int]], edge_index: Tensor,
             edge_attr: Optional[Tensor] = None, relabel_nodes: bool = False,
             num_nodes: Optional[int] = None, return_edge_mask: bool = False):
    """Edges with both ends in ``subset`` (ids or bool mask).

    Returns ``(edge_index, edge_attr)`` (plus the edge mask when ``return_edge_mask``).
    With ``relabel_nodes`` the kept nodes are renumbered ``0..|subset|-1`` in id order.
    """
    device = edge_index.device
    if num_nodes is None and isinstance(subset, Tensor) and subset.dtype == torch.bool:
        n = subset.numel()
    elif num_nodes is None:
        n = maybe_num_nodes(edge_index)
        if isinstance(subset, Tensor) and subset.numel() > 0:
            n = max(n, int(subset.max()) + 1)
        elif isinstance(subset, (list, tuple)) and len(subset) > 0:
            n = max(n, max(subset) + 1)
    else:
        n = int(num_nodes)
    mask = _as_mask(subset, n, device)
    if edge_index.numel() > 0 and int(edge_index.max()) >= n:
        raise ValueError(f"'edge_index' refers to node {int(edge_index.max())} but the graph "
                         f"has {n} nodes")
    edge_mask = mask[edge_index[0]] & mask[edge_index[1]]
    out = edge_index[:, edge_mask]
    attr = None if edge_attr is None else edge_attr[edge_mask]
    if relabel_nodes:
        assoc = torch.full((n,), -1, dtype=torch.long, device=device)
        assoc[mask] = torch.arange(int(mask.sum()), device=device)
        out = assoc[out]
    if return_edge_mask:
        return out, attr, edge_mask
    return out, attr


def k_hop_subgraph(node_idx: Union[int, List[int], Tensor], num_hops: int, edge_index: Tensor,
                   relabel_nodes: bool = False, num_nodes: Optional[int] = None,
                   flow: str = "source_to_target"
                   ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """Nodes reaching ``node_idx`` in at most ``num_hops`` hops, and the edges among them.

    With ``flow='source_to_target'`` the hops follow edges backwards (the nodes whose
    messages reach ``node_idx``); ``'target_to_source'`` follows them forwards.
    Returns ``(subset, edge_index, mapping, edge_mask)``: sorted node ids, the induced
    edges (relabelled if asked), the positions of ``node_idx`` in ``subset``, and
    the mask of kept edges.
    """
    if flow not in ("source_to_target", "target_to_source"):
        raise ValueError(f"'flow' must be 'source_to_target' or 'target_to_source', got {flow!r}")
    n = maybe_num_nodes(edge_index, num_nodes)
    device = edge_index.device
    if flow == "source_to_target":
        toward, away = edge_index[1], edge_index[0]
    else:
        toward, away = edge_index[0], edge_index[1]
    if isinstance(node_idx, (int, list, tuple)):
        node_idx = torch.tensor(node_idx, dtype=torch.long, device=device).view(-1)
    node_idx = node_idx.to(device).view(-1)
    reached = [node_idx]
    frontier = torch.zeros(n, dtype=torch.bool, device=device)
    for _ in range(num_hops):
        frontier.fill_(False)
        frontier[reached[-1]] = True
        reached.append(away[frontier[toward]])
    subset, inverse = torch.cat(reached).unique(return_inverse=True)
    mapping = inverse[:node_idx.numel()]
    in_subset = torch.zeros(n, dtype=torch.bool, device=device)
    in_subset[subset] = True
    edge_mask = in_subset[edge_index[0]] & in_subset[edge_index[1]]
    out = edge_index[:, edge_mask]
    if relabel_nodes:
        assoc = torch.full((n,), -1, dtype=torch.long, device=device)
        assoc[subset] = torch.arange(subset.numel(), device=device)
        out = assoc[out]
    return subset, out, mapping, edge_mask
