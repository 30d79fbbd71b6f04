r"""DimeNet, from Klicpera et al., "Directional Message Passing for Molecular Graphs"
(ICLR 2020).

Messages :math:`\mathbf{m}_{ji}` live on the directed edges :math:`j \to i` of the
radius graph and are updated from the messages :math:`\mathbf{m}_{kj}` of the edges
entering :math:`j` (:math:`k \neq i`), weighted by the angle
:math:`\alpha_{(kj, ji)}` between the two edges:

.. math::
    \mathbf{m}_{ji}^{(l+1)} = f_{\mathrm{update}}\Big(\mathbf{m}_{ji}^{(l)},
    \sum_{k \in \mathcal{N}_j \setminus \{i\}} f_{\mathrm{int}}\big(
    \mathbf{m}_{kj}^{(l)}, \mathbf{e}_{\mathrm{RBF}}^{(ji)},
    \mathbf{a}_{\mathrm{SBF}}^{(kj, ji)}\big)\Big).

Distances are expanded in the radial Bessel basis
:math:`\mathbf{e}_{\mathrm{RBF}, n}(d) = u(d / c) \sin(n \pi d / c)` and
distance/angle pairs in the joint 2-D basis

.. math::
    \mathbf{a}_{\mathrm{SBF}, ln}(d, \alpha) = u(d / c)\,
    \sqrt{\frac{2}{j_{l+1}(z_{ln})^2}}\; j_l(z_{ln} d / c)\; Y_l^0(\alpha),

with :math:`j_l` the spherical Bessel functions, :math:`z_{ln}` the :math:`n`-th root of
:math:`j_l`, :math:`Y_l^0` the zonal spherical harmonics and :math:`u` the smooth
polynomial envelope of exponent :math:`p`. Per-atom outputs of every block are summed
over atoms and blocks.
"""
import math
from typing import Callable, Optional, Tuple, Union

import torch
from torch import Tensor
from torch.nn import Embedding, Linear, ModuleList, Parameter

from ... import ops
from ...typing import SparseTensor, WITH_TORCH_SPARSE
from ..inits import glorot_orthogonal
from .dimenet_basis import (BesselBasisLayer, Envelope, SphericalBasisLayer, spherical_jn,
                            spherical_jn_order, spherical_jn_zeros, zonal_harmonics)

__all__ = ["DimeNet", "swish", "Envelope", "BesselBasisLayer", "SphericalBasisLayer",
           "EmbeddingBlock", "ResidualLayer", "InteractionBlock", "OutputBlock",
           "spherical_jn", "spherical_jn_order", "spherical_jn_zeros", "triplets",
           "bilinear_triplet_sum"]

NUM_ELEMENTS = 95


def swish(x: Tensor) -> Tensor:
    r"""The swish activation :math:`x \cdot \sigma(x)`."""
    return x * x.sigmoid()


# ------------------------------------------------------------------ basis math
# ------------------------------------------------------------------ blocks
class EmbeddingBlock(torch.nn.Module):
    r""":math:`\mathbf{m}_{ji}^{(0)} = \sigma(\mathbf{W}[\mathbf{h}_{z_i} \Vert
    \mathbf{h}_{z_j} \Vert \sigma(\mathbf{W}_{\mathrm{RBF}} \mathbf{e}_{ji})])`."""

    def __init__(self, num_radial: int, hidden_channels: int, act: Callable = swish):
        super().__init__()
        self.act = act
        self.emb = Embedding(NUM_ELEMENTS, hidden_channels)
        self.lin_rbf = Linear(num_radial, hidden_channels)
        self.lin = Linear(3 * hidden_channels, hidden_channels)
        self.reset_parameters()

    def reset_parameters(self):
        self.emb.weight.data.uniform_(-math.sqrt(3), math.sqrt(3))
        self.lin_rbf.reset_parameters()
        self.lin.reset_parameters()

    def forward(self, x: Tensor, rbf: Tensor, i: Tensor, j: Tensor) -> Tensor:
        x = self.emb(x)
        rbf = self.act(self.lin_rbf(rbf))
        return self.act(self.lin(torch.cat([x[i], x[j], rbf], dim=-1)))


class ResidualLayer(torch.nn.Module):
    r""":math:`\mathbf{x} + \sigma(\mathbf{W}_2 \sigma(\mathbf{W}_1 \mathbf{x}))`."""

    def __init__(self, hidden_channels: int, act: Callable = swish):
        super().__init__()
        self.act = act
        self.lin1 = Linear(hidden_channels, hidden_channels)
        self.lin2 = Linear(hidden_channels, hidden_channels)
        self.reset_parameters()

    def reset_parameters(self):
        for lin in (self.lin1, self.lin2):
            glorot_orthogonal(lin.weight, scale=2.0)
            lin.bias.data.fill_(0)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.act(self.lin2(self.act(self.lin1(x))))


class InteractionBlock(torch.nn.Module):
    r"""Directional message update: messages :math:`\mathbf{m}_{kj}` (gated by the
    radial basis) are mixed with the spherical basis through the bilinear tensor
    :math:`\mathbf{W}` and summed into :math:`\mathbf{m}_{ji}`, followed by residual
    layers around a skip connection."""

    def __init__(self, hidden_channels: int, num_bilinear: int, num_spherical: int,
                 num_radial: int, num_before_skip: int, num_after_skip: int,
                 act: Callable = swish):
        super().__init__()
        self.act = act
        self.lin_rbf = Linear(num_radial, hidden_channels, bias=False)
        self.lin_sbf = Linear(num_spherical * num_radial, num_bilinear, bias=False)
        self.lin_kj = Linear(hidden_channels, hidden_channels)
        self.lin_ji = Linear(hidden_channels, hidden_channels)
        self.W = Parameter(torch.empty(hidden_channels, num_bilinear, hidden_channels))
        self.layers_before_skip = ModuleList([
            ResidualLayer(hidden_channels, act) for _ in range(num_before_skip)])
        self.lin = Linear(hidden_channels, hidden_channels)
        self.layers_after_skip = ModuleList([
            ResidualLayer(hidden_channels, act) for _ in range(num_after_skip)])
        self.reset_parameters()

    def reset_parameters(self):
        glorot_orthogonal(self.lin_rbf.weight, scale=2.0)
        glorot_orthogonal(self.lin_sbf.weight, scale=2.0)
        for lin in (self.lin_kj, self.lin_ji, self.lin):
            glorot_orthogonal(lin.weight, scale=2.0)
            lin.bias.data.fill_(0)
        self.W.data.normal_(mean=0, std=2 / self.W.size(0))
        for layer in self.layers_before_skip:
            layer.reset_parameters()
        for layer in self.layers_after_skip:
            layer.reset_parameters()

    def forward(self, x: Tensor, rbf: Tensor, sbf: Tensor, idx_kj: Tensor,
                idx_ji: Tensor) -> Tensor:
        rbf = self.lin_rbf(rbf)
        sbf = self.lin_sbf(sbf)
        x_ji = self.act(self.lin_ji(x))
        x_kj = self.act(self.lin_kj(x)) * rbf
        x_kj = bilinear_triplet_sum(sbf, x_kj, self.W, idx_kj, idx_ji)

        h = x_ji + x_kj
        for layer in self.layers_before_skip:
            h = layer(h)
        h = self.act(self.lin(h)) + x
        for layer in self.layers_after_skip:
            h = layer(h)
        return h


def bilinear_triplet_sum(sbf: Tensor, x: Tensor, W: Tensor, idx_kj: Tensor,
                         idx_ji: Tensor) -> Tensor:
    r""":math:`\mathbf{y}_{ji} = \sum_{t: (kj, ji)} \sum_{b, h} \mathbf{W}_{o b h}\,
    \mathrm{sbf}_{t b}\, \mathbf{x}_{kj, h}` for every edge (``[E, H_out]``).

    Without autograd this is one sparse-dense product of the ``[E, E * B]`` matrix of
    the ``sbf`` entries with the per-edge products :math:`\mathbf{W}_b \mathbf{x}_{kj}`
    (no ``[T, B, H]`` intermediate); otherwise it runs densely, differentiable to any
    order.
    """
    num_edges, B = x.size(0), sbf.size(1)
    needs_grad = torch.is_grad_enabled() and (sbf.requires_grad or x.requires_grad
                                              or W.requires_grad)
    if needs_grad or not WITH_TORCH_SPARSE:
        out = torch.einsum("tb,th,obh->to", sbf, x[idx_kj], W)
        return ops.scatter_sum(out, idx_ji, dim=0, dim_size=num_edges)

    per_edge = x.matmul(W.permute(2, 1, 0).reshape(W.size(2), B * W.size(0)))
    if idx_ji.numel() > 1 and bool((idx_ji[1:] < idx_ji[:-1]).any()):
        perm = torch.argsort(idx_ji, stable=True)
        idx_ji, idx_kj, sbf = idx_ji[perm], idx_kj[perm], sbf[perm]
    rowptr = torch.zeros(num_edges + 1, dtype=torch.long, device=x.device)
    rowptr[1:] = torch.cumsum(torch.bincount(idx_ji, minlength=num_edges) * B, 0)
    col = (idx_kj.view(-1, 1) * B + torch.arange(B, device=x.device)).view(-1)
    adj = SparseTensor(rowptr=rowptr, col=col, value=sbf.reshape(-1),
                       sparse_sizes=(num_edges, num_edges * B), is_sorted=True,
                       trust_data=True)
    return ops.spmm(adj, per_edge.view(num_edges * B, W.size(0)))


class OutputBlock(torch.nn.Module):
    r"""Per-atom output :math:`\mathbf{W}\,\mathrm{MLP}(\sum_{j} \mathbf{W}_{\mathrm{RBF}}
    \mathbf{e}_{ji} \odot \mathbf{m}_{ji})`."""

    def __init__(self, num_radial: int, hidden_channels: int, out_channels: int,
                 num_layers: int, act: Callable = swish):
        super().__init__()
        self.act = act
        self.lin_rbf = Linear(num_radial, hidden_channels, bias=False)
        self.lins = ModuleList([Linear(hidden_channels, hidden_channels)
                                for _ in range(num_layers)])
        self.lin = Linear(hidden_channels, out_channels, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        glorot_orthogonal(self.lin_rbf.weight, scale=2.0)
        for lin in self.lins:
            glorot_orthogonal(lin.weight, scale=2.0)
            lin.bias.data.fill_(0)
        self.lin.weight.data.fill_(0)

    def forward(self, x: Tensor, rbf: Tensor, i: Tensor,
                num_nodes: Optional[int] = None) -> Tensor:
        x = self.lin_rbf(rbf) * x
        x = ops.scatter_sum(x, i, dim=0, dim_size=num_nodes)
        for lin in self.lins:
            x = self.act(lin(x))
        return self.lin(x)


# ------------------------------------------------------------------ triplets
def triplets(edge_index: Tensor, num_nodes: int) -> Tuple[Tensor, ...]:
    r"""All edge pairs :math:`(k \to j, j \to i)` with :math:`k \neq i`.

    ``edge_index[0]`` holds the sources :math:`j`, ``edge_index[1]`` the targets
    :math:`i`. Returns ``(i, j, idx_i, idx_j, idx_k, idx_kj, idx_ji)``: the edge targets
    and sources, the three atoms of every triplet and the positions of its two edges in
    ``edge_index``.
    """
    row, col = edge_index[0], edge_index[1]
    num_edges = row.numel()
    perm = torch.argsort(col, stable=True)
    in_deg = torch.bincount(col, minlength=num_nodes)
    ptr = torch.cumsum(in_deg, 0) - in_deg  # first sorted position of edges into a node

    count = in_deg[row]  # edges entering the source of every edge
    idx_ji = torch.repeat_interleave(torch.arange(num_edges, device=row.device), count)
    start = torch.repeat_interleave(torch.cumsum(count, 0) - count, count)
    offset = torch.arange(idx_ji.numel(), device=row.device) - start
    idx_kj = perm[ptr[row[idx_ji]] + offset]

    idx_i, idx_j, idx_k = col[idx_ji], row[idx_ji], row[idx_kj]
    mask = idx_i != idx_k
    idx_i, idx_j, idx_k = idx_i[mask], idx_j[mask], idx_k[mask]
    return col, row, idx_i, idx_j, idx_k, idx_kj[mask], idx_ji[mask]


# ------------------------------------------------------------------ model
class DimeNet(torch.nn.Module):
    r"""The directional message passing neural network (DimeNet).

    Messages on the edges of the radius graph are transformed based on the angle
    between them in a rotation-equivariant fashion (see the module docstring).

    Args:
        hidden_channels (int): Hidden embedding size.
        out_channels (int): Size of each output sample.
        num_blocks (int): Number of building blocks.
        num_bilinear (int): Size of the bilinear layer tensor.
        num_spherical (int): Number of spherical harmonics.
        num_radial (int): Number of radial basis functions.
        cutoff (float, optional): Cutoff distance for interatomic interactions.
            (default: ``5.0``)
        envelope_exponent (int, optional): Shape of the smooth cutoff. (default: ``5``)
        num_before_skip (int, optional): Number of residual layers in the interaction
            blocks before the skip connection. (default: ``1``)
        num_after_skip (int, optional): Number of residual layers in the interaction
            blocks after the skip connection. (default: ``2``)
        num_output_layers (int, optional): Number of linear layers for the output
            blocks. (default: ``3``)
        act (function, optional): The activation function. (default: :func:`swish`)
        max_num_neighbors (int, optional): The maximum number of neighbours collected
            for each atom within the cutoff. (default: ``32``)
    """

    url = "https://github.com/klicperajo/dimenet/raw/master/pretrained/dimenet"

    def __init__(self, hidden_channels: int, out_channels: int, num_blocks: int,
                 num_bilinear: int, num_spherical: int, num_radial: int,
                 cutoff: float = 5.0, envelope_exponent: int = 5, num_before_skip: int = 1,
                 num_after_skip: int = 2, num_output_layers: int = 3,
                 act: Union[Callable, str] = swish, max_num_neighbors: int = 32):
        super().__init__()
        _check_args(hidden_channels, out_channels, num_blocks, num_bilinear,
                    num_spherical, num_radial, cutoff)
        act = _resolve_act(act)
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.num_blocks = num_blocks
        self.cutoff = cutoff
        self.max_num_neighbors = max_num_neighbors

        self.rbf = BesselBasisLayer(num_radial, cutoff, envelope_exponent)
        self.sbf = SphericalBasisLayer(num_spherical, num_radial, cutoff, envelope_exponent)
        self.emb = EmbeddingBlock(num_radial, hidden_channels, act)
        self.output_blocks = ModuleList([
            OutputBlock(num_radial, hidden_channels, out_channels, num_output_layers, act)
            for _ in range(num_blocks + 1)])
        self.interaction_blocks = ModuleList([
            InteractionBlock(hidden_channels, num_bilinear, num_spherical, num_radial,
                             num_before_skip, num_after_skip, act)
            for _ in range(num_blocks)])
        # Every block initialised itself on construction.

    def reset_parameters(self):
        self.rbf.reset_parameters()
        self.emb.reset_parameters()
        for out in self.output_blocks:
            out.reset_parameters()
        for interaction in self.interaction_blocks:
            interaction.reset_parameters()

    @staticmethod
    def from_qm9_pretrained(root: str, dataset, target: int):
        raise RuntimeError(
            "DimeNet.from_qm9_pretrained: the pretrained QM9 weights need a download from "
            f"{DimeNet.url}, which distgnn does not perform; download and convert the "
            "weights yourself and load them with load_state_dict()")

    @staticmethod
    def angles(pos: Tensor, idx_i: Tensor, idx_j: Tensor, idx_k: Tensor) -> Tensor:
        r"""Angle between the edge vectors :math:`\vec{r}_j - \vec{r}_i` and
        :math:`\vec{r}_k - \vec{r}_j` of every triplet, in :math:`[0, \pi]`."""
        pos_ji = pos[idx_j] - pos[idx_i]
        pos_kj = pos[idx_k] - pos[idx_j]
        a = (pos_ji * pos_kj).sum(dim=-1)
        b = torch.linalg.cross(pos_ji, pos_kj, dim=-1).norm(dim=-1)
        return torch.atan2(b, a)

    def atom_outputs(self, z: Tensor, pos: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        """Per-atom outputs ``[num_atoms, out_channels]`` (summed over the blocks)."""
        _check_inputs(z, pos, batch)
        edge_index = ops.radius_graph(pos, r=self.cutoff, batch=batch,
                                      max_num_neighbors=self.max_num_neighbors)
        i, j, idx_i, idx_j, idx_k, idx_kj, idx_ji = triplets(edge_index, z.size(0))

        dist = (pos[i] - pos[j]).norm(dim=-1)
        angle = self.angles(pos, idx_i, idx_j, idx_k)
        rbf = self.rbf(dist)
        sbf = self.sbf(dist, angle, idx_kj)

        x = self.emb(z, rbf, i, j)
        P = self.output_blocks[0](x, rbf, i, num_nodes=pos.size(0))
        for interaction, output in zip(self.interaction_blocks, self.output_blocks[1:]):
            x = interaction(x, rbf, sbf, idx_kj, idx_ji)
            P = P + output(x, rbf, i, num_nodes=pos.size(0))
        return P

    def forward(self, z: Tensor, pos: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        P = self.atom_outputs(z, pos, batch)
        if batch is None:
            return P.sum(dim=0)
        return ops.scatter_sum(P, batch, dim=0)


def _resolve_act(act: Union[Callable, str]) -> Callable:
    if isinstance(act, str):
        if act.lower() in ("swish", "silu"):
            return swish
        raise ValueError(f"DimeNet: unknown activation {act!r}, expected a callable or "
                         "'swish'")
    if not callable(act):
        raise ValueError(f"DimeNet: act must be callable, got {type(act).__name__}")
    return act


def _check_args(hidden_channels: int, out_channels: int, num_blocks: int,
                num_bilinear: int, num_spherical: int, num_radial: int,
                cutoff: float) -> None:
    sizes = dict(hidden_channels=hidden_channels, out_channels=out_channels,
                 num_bilinear=num_bilinear, num_spherical=num_spherical,
                 num_radial=num_radial)
    for name, value in sizes.items():
        if int(value) < 1:
            raise ValueError(f"DimeNet: {name} must be a positive integer, got {value}")
    if int(num_blocks) < 0:
        raise ValueError(f"DimeNet: num_blocks must be non-negative, got {num_blocks}")
    if not float(cutoff) > 0.0:
        raise ValueError(f"DimeNet: cutoff must be positive, got {cutoff}")


def _check_inputs(z: Tensor, pos: Tensor, batch: Optional[Tensor]) -> None:
    if z.dim() != 1 or z.dtype != torch.long:
        raise ValueError(f"DimeNet: z must be a 1-D LongTensor of atomic numbers, got "
                         f"shape {tuple(z.shape)} and dtype {z.dtype}")
    if pos.dim() != 2 or pos.size(0) != z.size(0) or pos.size(1) != 3:
        raise ValueError(f"DimeNet: pos must have shape [{z.size(0)}, 3], got "
                         f"{tuple(pos.shape)}")
    if z.numel() > 0 and (int(z.min()) < 0 or int(z.max()) >= NUM_ELEMENTS):
        raise ValueError(f"DimeNet: atomic numbers must lie in [0, {NUM_ELEMENTS - 1}], "
                         f"got range [{int(z.min())}, {int(z.max())}]")
    if batch is not None and (batch.dim() != 1 or batch.size(0) != z.size(0)):
        raise ValueError(f"DimeNet: batch must have shape [{z.size(0)}], got "
                         f"{tuple(batch.shape)}")
