import math

import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import SchNet
from distgnn.nn.models.schnet import ATOMIC_MASSES


def _molecules():
    torch.manual_seed(0)
    z = torch.tensor([6, 1, 8, 1, 7, 6, 1])
    pos = torch.randn(7, 3)
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    return z, pos, batch


def _ssp(x):
    return F.softplus(x) - math.log(2.0)


def _dense_reference(model, z, pos, batch):
    """SchNet written densely: all pairs of one molecule within the cutoff."""
    h = model.embedding.weight[z]
    dist = torch.cdist(pos, pos)
    adj = (dist <= model.cutoff) & (batch.view(-1, 1) == batch.view(1, -1))
    adj.fill_diagonal_(False)
    offset = torch.linspace(0, model.cutoff, model.num_gaussians)
    gamma = 0.5 / (offset[1] - offset[0]) ** 2
    rbf = torch.exp(-gamma * (dist.unsqueeze(-1) - offset) ** 2)  # [N, N, G]
    envelope = 0.5 * (torch.cos(dist * math.pi / model.cutoff) + 1)
    for block in model.interactions:
        m0, m2 = block.mlp[0], block.mlp[2]
        filt = _ssp(rbf @ m0.weight.t() + m0.bias) @ m2.weight.t() + m2.bias  # [N, N, F]
        filt = filt * (envelope * adj).unsqueeze(-1)
        xj = h @ block.conv.lin1.weight.t()  # [N, F]
        agg = (filt * xj.unsqueeze(0)).sum(1)  # sum over neighbours j of target i
        v = agg @ block.conv.lin2.weight.t() + block.conv.lin2.bias
        h = h + block.lin(_ssp(v))
    out = model.lin2(_ssp(model.lin1(h)))
    return torch.zeros(int(batch.max()) + 1, 1).index_add_(0, batch, out), out


def test_matches_dense_formula():
    z, pos, batch = _molecules()
    model = SchNet(hidden_channels=8, num_filters=6, num_interactions=2, num_gaussians=5,
                   cutoff=1.5)
    expected, _ = _dense_reference(model, z, pos, batch)
    assert torch.allclose(model(z, pos, batch), expected, atol=1e-5)
    # A single molecule without a batch vector.
    single, _ = _dense_reference(model, z[:4], pos[:4], batch[:4])
    assert torch.allclose(model(z[:4], pos[:4]), single, atol=1e-5)


def test_mean_std_atomref_and_mean_readout():
    z, pos, batch = _molecules()
    atomref = torch.arange(100, dtype=torch.float) / 10
    model = SchNet(hidden_channels=8, num_filters=4, num_interactions=1, num_gaussians=4,
                   cutoff=2.0, readout="mean", mean=1.5, std=2.0, atomref=atomref)
    base = SchNet(hidden_channels=8, num_filters=4, num_interactions=1, num_gaussians=4,
                  cutoff=2.0)
    base.load_state_dict(model.state_dict(), strict=False)
    _, atomwise = _dense_reference(base, z, pos, batch)
    atomwise = atomwise * 2.0 + 1.5 + atomref[z].view(-1, 1)
    expected = torch.stack([atomwise[:4].mean(0), atomwise[4:].mean(0)])
    assert torch.allclose(model(z, pos, batch), expected, atol=1e-5)


def test_dipole_by_hand():
    z, pos, batch = _molecules()
    model = SchNet(hidden_channels=8, num_filters=4, num_interactions=1, num_gaussians=4,
                   cutoff=2.0, dipole=True)
    _, q = _dense_reference(model, z, pos, batch)
    mass = torch.tensor(ATOMIC_MASSES)[z].view(-1, 1)
    out = []
    for g in range(2):
        m = batch == g
        centre = (mass[m] * pos[m]).sum(0) / mass[m].sum()
        out.append((q[m] * (pos[m] - centre)).sum(0).norm().view(1))
    assert torch.allclose(model(z, pos, batch), torch.stack(out), atol=1e-5)


def test_rotation_translation_permutation_invariance():
    z, pos, batch = _molecules()
    model = SchNet(hidden_channels=16, num_filters=8, num_interactions=2, num_gaussians=8,
                   cutoff=3.0)
    out = model(z, pos, batch)
    rot, _ = torch.linalg.qr(torch.randn(3, 3))
    moved = pos @ rot.t() + torch.tensor([1.0, -2.0, 0.5])
    assert torch.allclose(model(z, moved, batch), out, atol=1e-4)
    perm = torch.tensor([2, 0, 3, 1, 6, 4, 5])
    assert torch.allclose(model(z[perm], pos[perm], batch[perm]), out, atol=1e-5)


def test_gradients_wrt_positions():
    z, pos, batch = _molecules()
    model = SchNet(hidden_channels=4, num_filters=3, num_interactions=1, num_gaussians=3,
                   cutoff=5.0).double()
    pos = pos[:4].double().requires_grad_()
    assert torch.autograd.gradcheck(lambda p: model(z[:4], p), (pos,))


def test_matches_torch_geometric():
    pyg = pytest.importorskip("torch_geometric.nn.models")
    z, pos, batch = _molecules()
    torch.manual_seed(1)
    ours = SchNet(hidden_channels=8, num_filters=6, num_interactions=2, num_gaussians=5,
                  cutoff=1.5)
    ref = pyg.SchNet(hidden_channels=8, num_filters=6, num_interactions=2, num_gaussians=5,
                     cutoff=1.5, interaction_graph=ours.interaction_graph)
    ref.load_state_dict(ours.state_dict())
    assert torch.allclose(ours(z, pos, batch), ref(z, pos, batch), atol=1e-5)


def test_repr_pretrained_and_bad_input():
    model = SchNet(hidden_channels=8, num_filters=6, num_interactions=1, num_gaussians=5,
                   cutoff=2.0)
    assert repr(model) == ("SchNet(hidden_channels=8, num_filters=6, num_interactions=1, "
                           "num_gaussians=5, cutoff=2.0)")
    with pytest.raises(RuntimeError, match="need a download"):
        SchNet.from_qm9_pretrained("root", None, 0)
    with pytest.raises(ValueError, match="readout must be one of"):
        SchNet(readout="max")
    with pytest.raises(ValueError, match="pos must have shape"):
        model(torch.tensor([1, 6]), torch.randn(3, 3))
    with pytest.raises(ValueError, match="atomic numbers must lie"):
        model(torch.tensor([1, 120]), torch.randn(2, 3))
