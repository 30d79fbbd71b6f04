r"""The Graph U-Net from the `"Graph U-Nets" <https://arxiv.org/abs/1905.05178>`_
paper.

An encoder of :class:`~distgnn.nn.GCNConv` layers alternates with
:class:`~distgnn.nn.pool.TopKPooling` (gPool) steps on the graph augmented with its
2-hop connections (:math:`\mathbf{A}^2` without self-loops, computed from
:math:`\mathbf{A} + \mathbf{I}`); the decoder scatters each level's features back
to the positions they were pooled from (gUnpool), merges them with the skip
connection of that level (sum or concatenation) and applies a GCN layer.
"""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from distgnn import ops
from distgnn.nn.conv.gcn_conv import GCNConv
from distgnn.nn.pool import TopKPooling
from distgnn.utils import add_self_loops, remove_self_loops, sort_edge_index

__all__ = ["GraphUNet"]


def _ratios(pool_ratios: Union[float, Sequence[float]], depth: int) -> List[float]:
    if isinstance(pool_ratios, (list, tuple)):
        ratios = list(pool_ratios)
        if len(ratios) != depth:
            raise ValueError(f"GraphUNet: pool_ratios must hold one ratio per level "
                             f"({depth}), got {len(ratios)}")
        return ratios
    return [pool_ratios] * depth


class GraphUNet(nn.Module):
    r"""The Graph U-Net model which implements a U-Net like architecture with graph
    pooling and unpooling operations.

    Args:
        in_channels (int): Size of each input sample.
        hidden_channels (int): Size of each hidden sample.
        out_channels (int): Size of each output sample.
        depth (int): The depth of the U-Net architecture.
        pool_ratios (float or [float], optional): Graph pooling ratio for each depth.
            (default: :obj:`0.5`)
        sum_res (bool, optional): If set to :obj:`False`, will use concatenation for
            integration of skip connections instead summation. (default: :obj:`True`)
        act (torch.nn.functional, optional): The nonlinearity to use.
            (default: :obj:`torch.nn.functional.relu`)
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 depth: int, pool_ratios: Union[float, Sequence[float]] = 0.5,
                 sum_res: bool = True, act: Callable[[Tensor], Tensor] = F.relu):
        super().__init__()
        if not isinstance(depth, int) or depth < 1:
            raise ValueError(f"GraphUNet: depth must be an int >= 1, got {depth!r}")
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.depth = depth
        self.pool_ratios = _ratios(pool_ratios, depth)
        self.act = act
        self.sum_res = sum_res

        channels = hidden_channels
        self.down_convs = nn.ModuleList([GCNConv(in_channels, channels, improved=True)])
        self.pools = nn.ModuleList()
        for i in range(depth):
            self.pools.append(TopKPooling(channels, self.pool_ratios[i]))
            self.down_convs.append(GCNConv(channels, channels, improved=True))

        up_in = channels if sum_res else 2 * channels
        self.up_convs = nn.ModuleList(
            [GCNConv(up_in, channels, improved=True) for _ in range(depth - 1)])
        self.up_convs.append(GCNConv(up_in, out_channels, improved=True))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in list(self.down_convs) + list(self.pools) + list(self.up_convs):
            module.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        if x.dim() != 2 or x.size(-1) != self.in_channels:
            raise ValueError(f"GraphUNet: x must have shape [num_nodes, {self.in_channels}], "
                             f"got {list(x.shape)}")
        if batch is None:
            batch = edge_index.new_zeros(x.size(0))
        edge_weight = x.new_ones(edge_index.size(1))

        x = self.act(self.down_convs[0](x, edge_index, edge_weight))
        xs, edge_indices, edge_weights, perms = [x], [edge_index], [edge_weight], []
        for i in range(1, self.depth + 1):
            edge_index, edge_weight = self.augment_adj(edge_index, edge_weight, x.size(0))
            x, edge_index, edge_weight, batch, perm, _ = self.pools[i - 1](
                x, edge_index, edge_weight, batch)
            x = self.act(self.down_convs[i](x, edge_index, edge_weight))
            if i < self.depth:
                xs.append(x)
                edge_indices.append(edge_index)
                edge_weights.append(edge_weight)
            perms.append(perm)

        for i in range(self.depth):
            j = self.depth - 1 - i
            res = xs[j]
            up = torch.zeros_like(res)
            up[perms[j]] = x
            x = res + up if self.sum_res else torch.cat((res, up), dim=-1)
            x = self.up_convs[i](x, edge_indices[j], edge_weights[j])
            if i < self.depth - 1:
                x = self.act(x)
        return x

    def augment_adj(self, edge_index: Tensor, edge_weight: Tensor,
                    num_nodes: int) -> Tuple[Tensor, Tensor]:
        r"""The weighted 2-hop graph :math:`(\mathbf{A} + \mathbf{I})^2` without
        self-loops."""
        edge_index, edge_weight = remove_self_loops(edge_index, edge_weight)
        edge_index, edge_weight = add_self_loops(edge_index, edge_weight, num_nodes=num_nodes)
        edge_index, edge_weight = sort_edge_index(edge_index, edge_weight, num_nodes)
        edge_index, edge_weight = ops.spspmm(edge_index, edge_weight, edge_index, edge_weight,
                                             num_nodes, num_nodes, num_nodes)
        return remove_self_loops(edge_index, edge_weight)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.hidden_channels}, "
                f"{self.out_channels}, depth={self.depth}, pool_ratios={self.pool_ratios})")
