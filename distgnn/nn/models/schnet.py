r"""SchNet, from Schütt et al., "SchNet: A Continuous-filter Convolutional Neural
Network for Modeling Quantum Interactions" (NeurIPS 2017).

Atoms are embedded by atomic number and refined by interaction blocks built around the
continuous-filter convolution

.. math::
    \mathbf{x}^{\prime}_i = \sum_{j \in \mathcal{N}(i)} \mathbf{x}_j \odot
    h_{\mathbf{\Theta}} ( \exp(-\gamma(\mathbf{e}_{j,i} - \mathbf{\mu}))),

where :math:`\mathbf{e}_{j,i}` is the interatomic distance (expanded in Gaussians
centred at :math:`\mathbf{\mu}`) and :math:`h_{\mathbf{\Theta}}` an MLP with shifted
softplus activations :math:`\mathrm{ssp}(x) = \ln(0.5 e^{x} + 0.5)`. The filter is damped
by the cosine cutoff :math:`C(d) = \frac{1}{2}(\cos(\pi d / r_c) + 1)`; the neighbourhood
is the radius graph of cutoff :math:`r_c`. Atom-wise outputs are summed (or averaged)
per molecule.
"""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Embedding, Linear, ModuleList, Sequential

from ... import ops
from ..conv.message_passing import MessagePassing

__all__ = ["SchNet", "CFConv", "InteractionBlock", "GaussianSmearing", "ShiftedSoftplus"]

READOUTS = ("add", "sum", "mean")

# Standard atomic weights (u) indexed by atomic number; index 0 is a placeholder.
ATOMIC_MASSES = (
    1.0, 1.008, 4.002602, 6.94, 9.0121831, 10.81, 12.011, 14.007, 15.999, 18.998403163,
    20.1797, 22.98976928, 24.305, 26.9815385, 28.085, 30.973761998, 32.06, 35.45, 39.948,
    39.0983, 40.078, 44.955908, 47.867, 50.9415, 51.9961, 54.938044, 55.845, 58.933194,
    58.6934, 63.546, 65.38, 69.723, 72.63, 74.921595, 78.971, 79.904, 83.798, 85.4678,
    87.62, 88.90584, 91.224, 92.90637, 95.95, 97.90721, 101.07, 102.9055, 106.42,
    107.8682, 112.414, 114.818, 118.71, 121.76, 127.6, 126.90447, 131.293, 132.90545196,
    137.327, 138.90547, 140.116, 140.90766, 144.242, 144.91276, 150.36, 151.964, 157.25,
    158.92535, 162.5, 164.93033, 167.259, 168.93422, 173.054, 174.9668, 178.49,
    180.94788, 183.84, 186.207, 190.23, 192.217, 195.084, 196.966569, 200.592, 204.38,
    207.2, 208.9804, 208.98243, 209.98715, 222.01758, 223.01974, 226.02541, 227.02775,
    232.0377, 231.03588, 238.02891, 237.04817, 244.06421, 243.06138, 247.07035,
    247.07031, 251.07959, 252.083, 257.09511,
)

NUM_ELEMENTS = 100


class ShiftedSoftplus(torch.nn.Module):
    r"""The shifted softplus :math:`\mathrm{ssp}(x) = \mathrm{softplus}(x) - \ln 2`,
    which is zero at the origin."""

    def __init__(self):
        super().__init__()
        self.shift = math.log(2.0)

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x) - self.shift


class GaussianSmearing(torch.nn.Module):
    r"""Expands distances in ``num_gaussians`` Gaussians
    :math:`\exp(-\frac{(d - \mu_k)^2}{2 \Delta^2})` with centres :math:`\mu_k` evenly
    spaced on ``[start, stop]`` and :math:`\Delta` their spacing."""

    def __init__(self, start: float = 0.0, stop: float = 5.0, num_gaussians: int = 50):
        super().__init__()
        if int(num_gaussians) < 2:
            raise ValueError(f"GaussianSmearing: num_gaussians must be at least 2, got "
                             f"{num_gaussians}")
        offset = torch.linspace(start, stop, num_gaussians)
        self.coeff = -0.5 / (offset[1] - offset[0]).item() ** 2
        self.register_buffer("offset", offset)

    def forward(self, dist: Tensor) -> Tensor:
        diff = dist.view(-1, 1) - self.offset.view(1, -1)
        return torch.exp(self.coeff * diff.pow(2))


class CFConv(MessagePassing):
    r"""The continuous-filter convolution
    :math:`\mathbf{x}^{\prime}_i = \mathbf{\Theta}_2 \sum_{j} \mathbf{\Theta}_1
    \mathbf{x}_j \odot h(\mathbf{e}_{j,i}) \, C(d_{j,i})` with cosine cutoff
    :math:`C`."""

    propagate_type = {"x": "Tensor", "W": "Tensor"}

    def __init__(self, in_channels: int, out_channels: int, num_filters: int,
                 nn: torch.nn.Module, cutoff: float):
        super().__init__(aggr="add")
        self.lin1 = Linear(in_channels, num_filters, bias=False)
        self.lin2 = Linear(num_filters, out_channels)
        self.nn = nn
        self.cutoff = cutoff
        self.reset_parameters()

    def reset_parameters(self):
        torch.nn.init.xavier_uniform_(self.lin1.weight)
        torch.nn.init.xavier_uniform_(self.lin2.weight)
        self.lin2.bias.data.fill_(0)

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor,
                edge_attr: Tensor) -> Tensor:
        envelope = 0.5 * (torch.cos(edge_weight * (math.pi / self.cutoff)) + 1.0)
        W = self.nn(edge_attr) * envelope.view(-1, 1)
        x = self.lin1(x)
        x = self.propagate(edge_index, x=x, W=W, size=None)
        return self.lin2(x)

    def message(self, x_j: Tensor, W: Tensor) -> Tensor:
        return x_j * W


class InteractionBlock(torch.nn.Module):
    r"""One SchNet interaction: filter network, :class:`CFConv`, shifted softplus and
    an atom-wise linear layer."""

    def __init__(self, hidden_channels: int, num_gaussians: int, num_filters: int,
                 cutoff: float):
        super().__init__()
        self.mlp = Sequential(Linear(num_gaussians, num_filters), ShiftedSoftplus(),
                              Linear(num_filters, num_filters))
        self.conv = CFConv(hidden_channels, hidden_channels, num_filters, self.mlp, cutoff)
        self.act = ShiftedSoftplus()
        self.lin = Linear(hidden_channels, hidden_channels)
        self.reset_parameters()

    def reset_parameters(self):
        for lin in (self.mlp[0], self.mlp[2], self.lin):
            torch.nn.init.xavier_uniform_(lin.weight)
            lin.bias.data.fill_(0)
        self.conv.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor,
                edge_attr: Tensor) -> Tensor:
        x = self.conv(x, edge_index, edge_weight, edge_attr)
        return self.lin(self.act(x))


class SchNet(torch.nn.Module):
    r"""The continuous-filter convolutional neural network SchNet.

    .. math::
        \mathbf{x}^{\prime}_i = \sum_{j \in \mathcal{N}(i)} \mathbf{x}_j \odot
        h_{\mathbf{\Theta}} ( \exp(-\gamma(\mathbf{e}_{j,i} - \mathbf{\mu})))

    Args:
        hidden_channels (int, optional): Hidden embedding size. (default: ``128``)
        num_filters (int, optional): The number of filters to use. (default: ``128``)
        num_interactions (int, optional): The number of interaction blocks.
            (default: ``6``)
        num_gaussians (int, optional): The number of gaussians :math:`\mu`.
            (default: ``50``)
        cutoff (float, optional): Cutoff distance for interatomic interactions.
            (default: ``10.0``)
        readout (string, optional): ``"add"`` or ``"mean"`` global aggregation.
            (default: ``"add"``)
        dipole (bool, optional): If ``True``, predicts the magnitude of the dipole
            moment from atomic charges and positions relative to the centre of mass.
            (default: ``False``)
        mean (float, optional): The mean of the property to predict. (default: ``None``)
        std (float, optional): The standard deviation of the property to predict.
            (default: ``None``)
        atomref (torch.Tensor, optional): The reference of single-atom properties, a
            vector of shape ``(max_atomic_number, )`` (or ``(max_atomic_number, 1)``).
            (default: ``None``)
        max_num_neighbors (int, optional): The maximum number of neighbours collected
            for each atom within the cutoff. (default: ``32``)
    """

    url = "http://www.quantum-machine.org/datasets/trained_schnet_models.zip"

    def __init__(self, hidden_channels: int = 128, num_filters: int = 128,
                 num_interactions: int = 6, num_gaussians: int = 50, cutoff: float = 10.0,
                 readout: str = "add", dipole: bool = False, mean: Optional[float] = None,
                 std: Optional[float] = None, atomref: Optional[Tensor] = None,
                 max_num_neighbors: int = 32):
        super().__init__()
        _check_args(hidden_channels, num_filters, num_interactions, cutoff, readout)
        self.hidden_channels = hidden_channels
        self.num_filters = num_filters
        self.num_interactions = num_interactions
        self.num_gaussians = num_gaussians
        self.cutoff = cutoff
        self.max_num_neighbors = max_num_neighbors
        self.readout = "add" if dipole else readout
        self.dipole = dipole
        self.mean = mean
        self.std = std
        self.scale: Optional[Tensor] = None

        self.register_buffer("atomic_mass", torch.tensor(ATOMIC_MASSES[:NUM_ELEMENTS]),
                             persistent=False)
        self.embedding = Embedding(NUM_ELEMENTS, hidden_channels)
        self.distance_expansion = GaussianSmearing(0.0, cutoff, num_gaussians)
        self.interactions = ModuleList([
            InteractionBlock(hidden_channels, num_gaussians, num_filters, cutoff)
            for _ in range(num_interactions)])
        self.lin1 = Linear(hidden_channels, hidden_channels // 2)
        self.act = ShiftedSoftplus()
        self.lin2 = Linear(hidden_channels // 2, 1)

        self.atomref: Optional[Embedding] = None
        self.register_buffer("initial_atomref", _as_atomref(atomref))
        if atomref is not None:
            self.atomref = Embedding(NUM_ELEMENTS, 1)
        self.reset_parameters()

    def reset_parameters(self):
        self.embedding.reset_parameters()
        for interaction in self.interactions:
            interaction.reset_parameters()
        for lin in (self.lin1, self.lin2):
            torch.nn.init.xavier_uniform_(lin.weight)
            lin.bias.data.fill_(0)
        if self.atomref is not None and self.initial_atomref is not None:
            self.atomref.weight.data.zero_()
            n = min(NUM_ELEMENTS, self.initial_atomref.size(0))
            self.atomref.weight.data[:n] = self.initial_atomref[:n]

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Checkpoints that stored the atomic mass table as a buffer: the table is a
        # constant here, so the stored copy is dropped.
        state_dict.pop(prefix + "atomic_mass", None)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @staticmethod
    def from_qm9_pretrained(root: str, dataset, target: int):
        raise RuntimeError(
            "SchNet.from_qm9_pretrained: the pretrained QM9 weights need a download from "
            f"{SchNet.url}, which distgnn does not perform; download and convert the "
            "weights yourself and load them with load_state_dict()")

    def interaction_graph(self, pos: Tensor, batch: Tensor):
        """The radius graph within ``cutoff`` plus its edge lengths."""
        edge_index = ops.radius_graph(pos, r=self.cutoff, batch=batch,
                                      max_num_neighbors=self.max_num_neighbors)
        row, col = edge_index[0], edge_index[1]
        edge_weight = (pos[row] - pos[col]).norm(dim=-1)
        return edge_index, edge_weight

    def forward(self, z: Tensor, pos: Tensor, batch: Optional[Tensor] = None) -> Tensor:
        _check_inputs(z, pos, batch)
        if batch is None:
            batch = torch.zeros_like(z)

        h = self.embedding(z)
        edge_index, edge_weight = self.interaction_graph(pos, batch)
        edge_attr = self.distance_expansion(edge_weight)
        for interaction in self.interactions:
            h = h + interaction(h, edge_index, edge_weight, edge_attr)

        h = self.lin2(self.act(self.lin1(h)))
        num_graphs = int(batch.max()) + 1 if batch.numel() > 0 else 0

        if self.dipole:
            mass = self.atomic_mass[z].view(-1, 1)
            centre = (ops.scatter_sum(mass * pos, batch, 0, num_graphs)
                      / ops.scatter_sum(mass, batch, 0, num_graphs))
            h = h * (pos - centre[batch])
        else:
            if self.mean is not None and self.std is not None:
                h = h * self.std + self.mean
            if self.atomref is not None:
                h = h + self.atomref(z)

        out = ops.scatter(h, batch, dim=0, dim_size=num_graphs, reduce=self.readout)
        if self.dipole:
            out = torch.norm(out, dim=-1, keepdim=True)
        if self.scale is not None:
            out = self.scale * out
        return out

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(hidden_channels={self.hidden_channels}, "
                f"num_filters={self.num_filters}, "
                f"num_interactions={self.num_interactions}, "
                f"num_gaussians={self.num_gaussians}, cutoff={self.cutoff})")


def _as_atomref(atomref: Optional[Tensor]) -> Optional[Tensor]:
    if atomref is None:
        return None
    atomref = torch.as_tensor(atomref, dtype=torch.float)
    if atomref.dim() == 1:
        atomref = atomref.view(-1, 1)
    if atomref.dim() != 2 or atomref.size(1) != 1:
        raise ValueError(f"SchNet: atomref must have shape (max_atomic_number,) or "
                         f"(max_atomic_number, 1), got {tuple(atomref.shape)}")
    return atomref


def _check_args(hidden_channels: int, num_filters: int, num_interactions: int,
                cutoff: float, readout: str) -> None:
    if readout not in READOUTS:
        raise ValueError(f"SchNet: readout must be one of {READOUTS}, got {readout!r}")
    if int(hidden_channels) < 2:
        raise ValueError(f"SchNet: hidden_channels must be at least 2, got "
                         f"{hidden_channels}")
    if int(num_filters) < 1 or int(num_interactions) < 0:
        raise ValueError(f"SchNet: expected num_filters >= 1 and num_interactions >= 0, "
                         f"got {num_filters} and {num_interactions}")
    if not float(cutoff) > 0.0:
        raise ValueError(f"SchNet: cutoff must be positive, got {cutoff}")


def _check_inputs(z: Tensor, pos: Tensor, batch: Optional[Tensor]) -> None:
    if z.dim() != 1 or z.dtype != torch.long:
        raise ValueError(f"SchNet: z must be a 1-D LongTensor of atomic numbers, got "
                         f"shape {tuple(z.shape)} and dtype {z.dtype}")
    if pos.dim() != 2 or pos.size(0) != z.size(0):
        raise ValueError(f"SchNet: pos must have shape [{z.size(0)}, 3], got "
                         f"{tuple(pos.shape)}")
    if z.numel() > 0 and (int(z.min()) < 0 or int(z.max()) >= NUM_ELEMENTS):
        raise ValueError(f"SchNet: atomic numbers must lie in [0, {NUM_ELEMENTS - 1}], "
                         f"got range [{int(z.min())}, {int(z.max())}]")
    if batch is not None and (batch.dim() != 1 or batch.size(0) != z.size(0)):
        raise ValueError(f"SchNet: batch must have shape [{z.size(0)}], got "
                         f"{tuple(batch.shape)}")
