r"""Attentive FP, from Xiong et al., "Pushing the Boundaries of Molecular Representation
for Drug Discovery with the Graph Attention Mechanism" (J. Med. Chem. 2020).

Atom embeddings are refined by graph attention and GRU updates:

.. math::
    \mathbf{h}_i^{(l)} = \mathrm{ELU}\Big(\sum_{j \in \mathcal{N}(i)} \alpha_{i,j}
    \mathbf{W} \mathbf{x}_j^{(l-1)}\Big), \qquad
    \mathbf{x}_i^{(l)} = \mathrm{ReLU}\big(\mathrm{GRU}(\mathbf{h}_i^{(l)},
    \mathbf{x}_i^{(l-1)})\big),

where the first layer (:class:`GATEConv`) also attends over bond features. The
molecule embedding starts from the sum of its atoms and is refined ``num_timesteps``
times by attention from the molecule to its atoms followed by a GRU update.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import GRUCell, Linear, ModuleList, Parameter

from ... import ops
from ...typing import Adj
from ...utils import softmax
from ..conv.gat_conv import GATConv
from ..conv.message_passing import MessagePassing
from ..inits import glorot, zeros

__all__ = ["AttentiveFP", "GATEConv"]


class GATEConv(MessagePassing):
    r"""Graph attention over atoms and bonds (the first Attentive FP layer).

    .. math::
        \mathbf{m}_{j,i} = \mathrm{LeakyReLU}(\mathbf{W}_1 [\mathbf{x}_j \Vert
        \mathbf{e}_{j,i}]), \quad
        \alpha_{i,j} = \mathrm{softmax}_j\big(\mathrm{LeakyReLU}(\mathbf{a}_l^{\top}
        \mathbf{m}_{j,i} + \mathbf{a}_r^{\top} \mathbf{x}_i)\big), \quad
        \mathbf{x}^{\prime}_i = \sum_j \alpha_{i,j} \mathbf{W}_2 \mathbf{m}_{j,i}
        + \mathbf{b}

    with LeakyReLU slope 0.01.

    Args:
        in_channels (int): Size of each input sample.
        out_channels (int): Size of each output sample.
        edge_dim (int): Edge feature dimensionality.
        dropout (float, optional): Dropout probability of the attention coefficients.
            (default: ``0.0``)
    """

    propagate_type = {"x": "Tensor", "alpha_r": "Tensor", "edge_attr": "Tensor"}

    def __init__(self, in_channels: int, out_channels: int, edge_dim: int,
                 dropout: float = 0.0):
        super().__init__(aggr="add", node_dim=0)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.edge_dim = edge_dim
        self.dropout = dropout
        self.att_l = Parameter(torch.empty(1, out_channels))
        self.att_r = Parameter(torch.empty(1, in_channels))
        self.lin1 = Linear(in_channels + edge_dim, out_channels, bias=False)
        self.lin2 = Linear(out_channels, out_channels, bias=False)
        self.bias = Parameter(torch.empty(out_channels))
        self.reset_parameters()

    def reset_parameters(self):
        glorot(self.att_l)
        glorot(self.att_r)
        glorot(self.lin1.weight)
        glorot(self.lin2.weight)
        zeros(self.bias)

    def forward(self, x: Tensor, edge_index: Adj, edge_attr: Tensor) -> Tensor:
        alpha_r = (x * self.att_r).sum(dim=-1)
        out = self.propagate(edge_index, x=x, alpha_r=alpha_r, edge_attr=edge_attr,
                             size=None)
        return out + self.bias

    def message(self, x_j: Tensor, alpha_r_i: Tensor, edge_attr: Tensor, index: Tensor,
                ptr: Optional[Tensor], size_i: Optional[int]) -> Tensor:
        m = F.leaky_relu(self.lin1(torch.cat([x_j, edge_attr], dim=-1)), 0.01)
        alpha = F.leaky_relu((m * self.att_l).sum(dim=-1) + alpha_r_i, 0.01)
        alpha = softmax(alpha, index, ptr, size_i)
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        return self.lin2(m) * alpha.unsqueeze(-1)


class AttentiveFP(torch.nn.Module):
    r"""The Attentive FP model for molecular representation learning, based on graph
    attention mechanisms (see the module docstring).

    Args:
        in_channels (int): Size of each input sample.
        hidden_channels (int): Hidden node feature dimensionality.
        out_channels (int): Size of each output sample.
        edge_dim (int): Edge feature dimensionality.
        num_layers (int): Number of GNN layers.
        num_timesteps (int): Number of iterative refinement steps for global readout.
        dropout (float, optional): Dropout probability. (default: ``0.0``)
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 edge_dim: int, num_layers: int, num_timesteps: int, dropout: float = 0.0):
        super().__init__()
        _check_args(in_channels, hidden_channels, out_channels, edge_dim, num_layers,
                    num_timesteps, dropout)
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.edge_dim = edge_dim
        self.num_layers = num_layers
        self.num_timesteps = num_timesteps
        self.dropout = dropout

        self.lin1 = Linear(in_channels, hidden_channels)
        # atom_convs[0] is the edge-aware gate layer (1.7's module names and order)
        self.atom_convs = ModuleList(
            [GATEConv(hidden_channels, hidden_channels, edge_dim, dropout)]
            + [GATConv(hidden_channels, hidden_channels, dropout=dropout,
                       add_self_loops=False, negative_slope=0.01)
               for _ in range(num_layers - 1)])
        self.atom_grus = ModuleList([GRUCell(hidden_channels, hidden_channels)
                                     for _ in range(num_layers)])
        self.mol_conv = GATConv(hidden_channels, hidden_channels, dropout=dropout,
                                add_self_loops=False, negative_slope=0.01)
        self.mol_gru = GRUCell(hidden_channels, hidden_channels)
        self.lin2 = Linear(hidden_channels, out_channels)
        self.reset_parameters()

    def reset_parameters(self):
        self.lin1.reset_parameters()
        for conv, gru in zip(self.atom_convs, self.atom_grus):
            conv.reset_parameters()
            gru.reset_parameters()
        self.mol_conv.reset_parameters()
        self.mol_gru.reset_parameters()
        self.lin2.reset_parameters()

    def _dropout(self, x: Tensor) -> Tensor:
        return F.dropout(x, p=self.dropout, training=self.training)

    def forward(self, x: Tensor, edge_index: Adj, edge_attr: Tensor,
                batch: Tensor) -> Tensor:
        _check_inputs(self, x, edge_attr, batch)
        if batch is None:
            batch = x.new_zeros(x.size(0), dtype=torch.long)

        # Atom embeddings.
        x = F.leaky_relu(self.lin1(x), 0.01)
        h = self._dropout(F.elu(self.atom_convs[0](x, edge_index, edge_attr)))
        x = F.relu(self.atom_grus[0](h, x))
        for conv, gru in zip(self.atom_convs[1:], self.atom_grus[1:]):
            h = self._dropout(F.elu(conv(x, edge_index)))
            x = F.relu(gru(h, x))

        # Molecule embedding: attention from every molecule to its atoms.
        num_graphs = int(batch.max()) + 1 if batch.numel() > 0 else 0
        atom_to_mol = torch.stack([torch.arange(batch.size(0), device=batch.device), batch])
        out = F.relu(ops.scatter_sum(x, batch, dim=0, dim_size=num_graphs))
        for _ in range(self.num_timesteps):
            h = self._dropout(F.elu(self.mol_conv((x, out), atom_to_mol)))
            out = F.relu(self.mol_gru(h, out))

        return self.lin2(self._dropout(out))


def _check_args(in_channels: int, hidden_channels: int, out_channels: int, edge_dim: int,
                num_layers: int, num_timesteps: int, dropout: float) -> None:
    sizes = dict(in_channels=in_channels, hidden_channels=hidden_channels,
                 out_channels=out_channels, num_layers=num_layers)
    for name, value in sizes.items():
        if int(value) < 1:
            raise ValueError(f"AttentiveFP: {name} must be a positive integer, got {value}")
    if int(edge_dim) < 0 or int(num_timesteps) < 0:
        raise ValueError(f"AttentiveFP: edge_dim and num_timesteps must be non-negative, "
                         f"got {edge_dim} and {num_timesteps}")
    if not 0.0 <= float(dropout) <= 1.0:
        raise ValueError(f"AttentiveFP: dropout must lie in [0, 1], got {dropout}")


def _check_inputs(model: AttentiveFP, x: Tensor, edge_attr: Tensor,
                  batch: Optional[Tensor]) -> None:
    if x.dim() != 2 or x.size(1) != model.in_channels:
        raise ValueError(f"AttentiveFP: x must have shape [num_nodes, {model.in_channels}], "
                         f"got {tuple(x.shape)}")
    if edge_attr.dim() != 2 or edge_attr.size(1) != model.edge_dim:
        raise ValueError(f"AttentiveFP: edge_attr must have shape [num_edges, "
                         f"{model.edge_dim}], got {tuple(edge_attr.shape)}")
    if batch is not None and (batch.dim() != 1 or batch.size(0) != x.size(0)):
        raise ValueError(f"AttentiveFP: batch must have shape [{x.size(0)}], got "
                         f"{tuple(batch.shape)}")
