r"""Adaptive Structure Aware Pooling, from Ranjan et al., "ASAP: Adaptive Structure
Aware Pooling for Learning Hierarchical Graph Representations" (AAAI 2020).

Every node :math:`i` forms a cluster of its 1-hop neighbourhood (self-loop
included). Master2Token attention scores the members :math:`j \to i`,

.. math::
    \mathbf{m}_i = \mathbf{W} \max_{j \in \mathcal{N}(i)} \mathbf{x}^{\prime}_j,
    \qquad
    s_{ji} = \mathrm{softmax}_j\left(\mathrm{LeakyReLU}\left(\mathbf{a}^{\top}
    [\mathbf{m}_i \, \Vert \, \mathbf{x}^{\prime}_j] + b\right)\right), \qquad
    \mathbf{x}^c_i = \sum_{j \in \mathcal{N}(i)} s_{ji} \mathbf{x}_j

(:math:`\mathbf{x}^{\prime} = \mathrm{GNN}(\mathbf{X}, \mathbf{A})` when an
intra-cluster GNN is given, else :math:`\mathbf{x}`). Cluster fitness
:math:`\phi = \sigma(\mathrm{LEConv}(\mathbf{X}^c, \mathbf{A}))` selects the top
:math:`\lceil \mathrm{ratio} \cdot N \rceil` clusters, whose features are gated by
:math:`\phi`, and the coarsened graph is
:math:`\mathbf{A}^{\prime} = \mathbf{S}^{\top} \mathbf{A} \mathbf{S}` with
:math:`\mathbf{S}_{j,c} = s_{jc}` over the kept clusters :math:`c`.
"""
from typing import Callable, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Linear

from ... import ops
from ...utils import add_remaining_self_loops, softmax
from ..conv.le_conv import LEConv
from .select import topk
from .topk_pool import check_pool_args, default_batch

__all__ = ["ASAPooling"]


def _coarsen(edge_index: Tensor, edge_weight: Optional[Tensor], score: Tensor,
             perm: Tensor, num_nodes: int, self_loops: bool) -> Tuple[Tensor, Tensor]:
    """``S^T A S`` with ``A[j, i] = w_ji`` and ``S[j, c] = s_jc`` restricted to the
    kept clusters ``perm`` (relabelled ``0..K-1``); loops set to 1 or removed."""
    k = perm.numel()
    new_id = torch.full((num_nodes,), -1, dtype=torch.long, device=perm.device)
    new_id[perm] = torch.arange(k, device=perm.device)
    col = new_id[edge_index[1]]
    keep = col >= 0
    s_index = torch.stack([edge_index[0][keep], col[keep]])
    s_value = score[keep]
    a_s_index, a_s_value = ops.spspmm(edge_index, edge_weight, s_index, s_value,
                                      num_nodes, num_nodes, k)
    index, value = ops.spspmm(s_index.flip(0), s_value, a_s_index, a_s_value, k, num_nodes, k)
    off_diag = index[0] != index[1]
    index, value = index[:, off_diag], value[off_diag]
    if self_loops:
        loop = torch.arange(k, device=index.device)
        index = torch.cat([index, loop.repeat(2, 1)], dim=1)
        value = torch.cat([value, value.new_ones(k)])
        order = torch.argsort(index[0] * k + index[1])
        index, value = index[:, order], value[order]
    return index, value


class ASAPooling(torch.nn.Module):
    r"""The Adaptive Structure Aware Pooling operator (Ranjan et al., AAAI 2020).

    Args:
        in_channels (int): Size of each input sample.
        ratio (float or int): Graph pooling ratio, used to compute
            :math:`k = \lceil \mathrm{ratio} \cdot N \rceil`, or the value of :math:`k`
            itself when ``ratio`` is an ``int``. (default: ``0.5``)
        GNN (torch.nn.Module, optional): A graph neural network layer for using
            intra-cluster properties, built as ``GNN(in_channels, in_channels,
            **kwargs)`` and called with ``edge_weight`` (e.g. :class:`GraphConv` or
            :class:`GCNConv`). (default: ``None``)
        dropout (float, optional): Dropout probability of the normalized attention
            coefficients, which exposes each node to a stochastically sampled
            neighbourhood during training. (default: ``0``)
        negative_slope (float, optional): LeakyReLU angle of the negative slope.
            (default: ``0.2``)
        add_self_loops (bool, optional): If set to ``True``, adds self-loops (weight
            1) to the new graph connectivity. (default: ``False``)
        **kwargs (optional): Additional parameters for initializing the graph neural
            network layer.
    """

    def __init__(self, in_channels: int, ratio: Union[float, int] = 0.5,
                 GNN: Optional[Callable] = None, dropout: float = 0.0,
                 negative_slope: float = 0.2, add_self_loops: bool = False, **kwargs):
        super().__init__()
        check_pool_args("ASAPooling", ratio, None)
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"ASAPooling: dropout must lie in [0, 1], got {dropout}")
        self.in_channels = in_channels
        self.ratio = ratio
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.GNN = GNN
        self.add_self_loops = add_self_loops
        self.lin = Linear(in_channels, in_channels)
        self.att = Linear(2 * in_channels, 1)
        self.gnn_score = LEConv(in_channels, 1)
        self.gnn_intra_cluster = None
        if GNN is not None:
            self.gnn_intra_cluster = GNN(in_channels, in_channels, **kwargs)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin.reset_parameters()
        self.att.reset_parameters()
        self.gnn_score.reset_parameters()
        if self.gnn_intra_cluster is not None:
            self.gnn_intra_cluster.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Optional[Tensor] = None,
                batch: Optional[Tensor] = None
                ) -> Tuple[Tensor, Tensor, Optional[Tensor], Tensor, Tensor]:
        """Returns ``(x, edge_index, edge_weight, batch, perm)`` of the pooled graph
        (``perm`` the kept cluster centres)."""
        x = x.unsqueeze(-1) if x.dim() == 1 else x
        if x.size(-1) != self.in_channels:
            raise ValueError(f"ASAPooling: expected {self.in_channels} input channels, got "
                             f"{x.size(-1)}")
        n = x.size(0)
        edge_index, edge_weight = add_remaining_self_loops(edge_index, edge_weight,
                                                           fill_value=1.0, num_nodes=n)
        batch = default_batch(batch, x, edge_index)
        src, dst = edge_index[0], edge_index[1]

        x_pool = x
        if self.gnn_intra_cluster is not None:
            x_pool = self.gnn_intra_cluster(x=x, edge_index=edge_index,
                                            edge_weight=edge_weight)
        x_pool_j = x_pool.index_select(0, src)
        x_q = self.lin(ops.scatter(x_pool_j, dst, 0, n, reduce="max")).index_select(0, dst)
        score = self.att(torch.cat([x_q, x_pool_j], dim=-1)).view(-1)
        score = F.leaky_relu(score, self.negative_slope)
        score = softmax(score, dst, num_nodes=n)
        score = F.dropout(score, p=self.dropout, training=self.training)

        x = ops.scatter_sum(x.index_select(0, src) * score.view(-1, 1), dst, 0, n)
        fitness = self.gnn_score(x, edge_index).sigmoid().view(-1)
        perm = topk(fitness, self.ratio, batch)
        x = x[perm] * fitness[perm].view(-1, 1)

        new_index, new_weight = _coarsen(edge_index, edge_weight, score, perm, n,
                                         self.add_self_loops)
        return x, new_index, new_weight, batch[perm], perm

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, ratio={self.ratio})"
