import pytest
import torch
import torch.nn.functional as F

from distgnn.nn import AttentiveFP
from distgnn.nn.models.attentive_fp import GATEConv


def _two_molecules():
    torch.manual_seed(0)
    # Molecule 0: a triangle plus a pendant atom; molecule 1: a chain of three atoms.
    und = [(0, 1), (1, 2), (0, 2), (2, 3), (4, 5), (5, 6)]
    edge_index = torch.tensor([[a for a, b in und] + [b for a, b in und],
                               [b for a, b in und] + [a for a, b in und]])
    x = torch.randn(7, 3)
    edge_attr = torch.randn(edge_index.size(1), 2)
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    return x, edge_index, edge_attr, batch


def _model(**kwargs):
    torch.manual_seed(1)
    args = dict(in_channels=3, hidden_channels=6, out_channels=2, edge_dim=2,
                num_layers=3, num_timesteps=2)
    args.update(kwargs)
    return AttentiveFP(**args)


def _gru(cell, inp, hidden):
    gi = inp @ cell.weight_ih.t() + cell.bias_ih
    gh = hidden @ cell.weight_hh.t() + cell.bias_hh
    ir, iz, inn = gi.chunk(3, -1)
    hr, hz, hn = gh.chunk(3, -1)
    r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
    n = torch.tanh(inn + r * hn)
    return (1 - z) * n + z * hidden


def _attend(scores, mask):
    """Row-wise softmax of scores[i, j] over the j with mask[i, j]."""
    scores = scores.masked_fill(~mask, float("-inf"))
    alpha = torch.softmax(scores, dim=1)
    return torch.nan_to_num(alpha)


def _gat(conv, x_src, x_dst, mask):
    hs, hd = x_src @ conv.lin_l.weight.t(), x_dst @ conv.lin_l.weight.t()
    s = (hd @ conv.att_r.view(-1)).view(-1, 1) + (hs @ conv.att_l.view(-1)).view(1, -1)
    return _attend(F.leaky_relu(s, 0.01), mask) @ hs + conv.bias


def _reference(model, x, edge_index, edge_attr, batch):
    N = x.size(0)
    mask = torch.zeros(N, N, dtype=torch.bool)
    mask[edge_index[1], edge_index[0]] = True
    x = F.leaky_relu(model.lin1(x), 0.01)
    g = model.atom_convs[0]
    # Gate layer: per edge j -> i, m_ji = LeakyReLU(W1 [x_j || e_ji]).
    e = torch.zeros(N, N, edge_attr.size(1))
    e[edge_index[1], edge_index[0]] = edge_attr
    m = F.leaky_relu(torch.cat([x.unsqueeze(0).expand(N, N, -1), e], -1) @ g.lin1.weight.t(),
                     0.01)  # [i, j, C]
    s = (m @ g.att_l.view(-1)) + (x @ g.att_r.view(-1)).view(-1, 1)
    alpha = _attend(F.leaky_relu(s, 0.01), mask)
    h = F.elu((alpha.unsqueeze(-1) * (m @ g.lin2.weight.t())).sum(1) + g.bias)
    x = F.relu(_gru(model.atom_grus[0], h, x))
    for conv, gru in zip(model.atom_convs[1:], model.atom_grus[1:]):
        x = F.relu(_gru(gru, F.elu(_gat(conv, x, x, mask)), x))
    B = int(batch.max()) + 1
    member = batch.view(1, -1) == torch.arange(B).view(-1, 1)  # [B, N]
    out = F.relu(member.float() @ x)
    for _ in range(model.num_timesteps):
        out = F.relu(_gru(model.mol_gru, F.elu(_gat(model.mol_conv, x, out, member)), out))
    return model.lin2(out)


def test_matches_dense_formula():
    x, edge_index, edge_attr, batch = _two_molecules()
    model = _model()
    expected = _reference(model, x, edge_index, edge_attr, batch)
    assert torch.allclose(model(x, edge_index, edge_attr, batch), expected, atol=1e-5)


def test_permutation_and_batching_invariance():
    x, edge_index, edge_attr, batch = _two_molecules()
    model = _model()
    out = model(x, edge_index, edge_attr, batch)
    # Relabel the atoms inside each molecule and shuffle the edge order.
    perm = torch.tensor([2, 0, 3, 1, 6, 4, 5])  # new position -> old atom
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(7)
    eperm = torch.randperm(edge_index.size(1))
    out_p = model(x[perm], inv[edge_index][:, eperm], edge_attr[eperm], batch)
    assert torch.allclose(out_p, out, atol=1e-5)
    # A batch of two molecules equals each molecule alone.
    first = edge_index[0] < 4
    out0 = model(x[:4], edge_index[:, first], edge_attr[first], batch[:4])
    out1 = model(x[4:], edge_index[:, ~first] - 4, edge_attr[~first], batch[:3])
    assert torch.allclose(torch.cat([out0, out1]), out, atol=1e-5)


def test_gate_conv_and_gradients():
    x, edge_index, edge_attr, _ = _two_molecules()
    conv = GATEConv(3, 4, edge_dim=2)
    assert repr(conv) == "GATEConv(3, 4)"
    out = conv(x, edge_index, edge_attr)
    assert out.shape == (7, 4)
    scripted = torch.jit.script(conv.jittable())
    assert torch.allclose(scripted(x, edge_index, edge_attr), out, atol=1e-6)
    model = _model(hidden_channels=3, num_layers=2, num_timesteps=1).double()
    x, edge_attr = x.double().requires_grad_(), edge_attr.double().requires_grad_()
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    assert torch.autograd.gradcheck(lambda a, e: model(a, edge_index, e, batch),
                                    (x, edge_attr), fast_mode=True)


def test_dropout_only_in_training():
    x, edge_index, edge_attr, batch = _two_molecules()
    model = _model(dropout=0.5)
    model.eval()
    first = model(x, edge_index, edge_attr, batch)
    assert torch.equal(first, model(x, edge_index, edge_attr, batch))
    model.train()
    torch.manual_seed(0)
    assert not torch.allclose(model(x, edge_index, edge_attr, batch), first)


def test_matches_torch_geometric(monkeypatch):
    pyg = pytest.importorskip("torch_geometric.nn.models")
    x, edge_index, edge_attr, batch = _two_molecules()
    ours = _model()
    gate = ours.atom_convs[0]

    # The installed release applies W_2 to the raw neighbour features x_j; 1.7 (and
    # distgnn) apply it to the transformed message m_ji. Emulate the release here.
    def raw_message(x_j, alpha_r_i, edge_attr, index, ptr, size_i):
        m = F.leaky_relu(gate.lin1(torch.cat([x_j, edge_attr], dim=-1)), 0.01)
        alpha = F.leaky_relu((m * gate.att_l).sum(-1) + alpha_r_i, 0.01)
        from distgnn.utils import softmax
        return gate.lin2(x_j) * softmax(alpha, index, ptr, size_i).unsqueeze(-1)

    monkeypatch.setattr(gate, "message", raw_message)
    ref = pyg.AttentiveFP(3, 6, 2, 2, 3, 2)
    renames = {"lin_l.weight": "lin.weight", "att_l": "att_src", "att_r": "att_dst"}
    state = {}
    for key, value in ours.state_dict().items():
        # 2.x keeps the first layer apart: atom_convs.0 / atom_grus.0 (1.7) are its
        # gate_conv / gru, and the later layers shift down by one
        if key.startswith(("atom_convs.0.", "atom_grus.0.")):
            first = "gate_conv." if key.startswith("atom_convs") else "gru."
            key = first + key.split(".", 2)[2]
        elif key.startswith(("atom_convs.", "atom_grus.")):
            head, index, rest = key.split(".", 2)
            key = f"{head}.{int(index) - 1}.{rest}"
        if key.startswith(("atom_convs", "mol_conv")):
            if key.endswith("lin_r.weight"):  # shares its weight with lin_l
                continue
            for old, new in renames.items():
                if key.endswith("." + old):
                    key = key[:-len(old)] + new
        state[key] = value
    ref.load_state_dict(state)
    assert torch.allclose(ours(x, edge_index, edge_attr, batch),
                          ref(x, edge_index, edge_attr, batch), atol=1e-5)


def test_bad_input():
    x, edge_index, edge_attr, batch = _two_molecules()
    model = _model()
    with pytest.raises(ValueError, match="x must have shape"):
        model(x[:, :2], edge_index, edge_attr, batch)
    with pytest.raises(ValueError, match="edge_attr must have shape"):
        model(x, edge_index, edge_attr[:, :1], batch)
    with pytest.raises(ValueError, match="num_layers must be a positive integer"):
        AttentiveFP(3, 6, 2, 2, 0, 2)
