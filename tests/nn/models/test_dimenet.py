import math

import pytest
import torch
from scipy.special import eval_legendre
from scipy.special import spherical_jn as scipy_jn

from distgnn.nn import DimeNet
from distgnn.nn.models.dimenet import (BesselBasisLayer, SphericalBasisLayer, swish,
                                       triplets)
from distgnn.ops import radius_graph


def _model(**kwargs):
    torch.manual_seed(0)
    args = dict(hidden_channels=8, out_channels=2, num_blocks=1, num_bilinear=3,
                num_spherical=3, num_radial=4, cutoff=2.5, num_before_skip=1,
                num_after_skip=1, num_output_layers=2)
    args.update(kwargs)
    model = DimeNet(**args)
    for block in model.output_blocks:  # zero-initialised; make outputs non-trivial
        torch.nn.init.normal_(block.lin.weight)
    return model


def _molecules():
    torch.manual_seed(3)
    z = torch.tensor([6, 1, 1, 8, 7, 1, 1])
    pos = torch.randn(7, 3)
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    return z, pos, batch


def _envelope(x, exponent=5):
    p = exponent + 1
    a, b, c = -(p + 1) * (p + 2) / 2, p * (p + 2), -p * (p + 1) / 2
    return 1 / x + a * x ** (p - 1) + b * x ** p + c * x ** (p + 1)


def _zeros(num_spherical, num_radial):
    from scipy.optimize import brentq
    grid = torch.linspace(0.1, 40, 40000, dtype=torch.float64).numpy()
    zeros = []
    for l in range(num_spherical):
        v = scipy_jn(l, grid)
        sign = (v[:-1] * v[1:]) < 0
        roots = [brentq(lambda r: scipy_jn(l, r), grid[n], grid[n + 1])
                 for n in sign.nonzero()[0][:num_radial]]
        zeros.append(roots)
    return zeros


def _reference(model, z, pos, batch):
    """DimeNet with explicit loops over edges and triplets and scipy bases."""
    c = model.cutoff
    n_sph, n_rad = model.sbf.num_spherical, model.sbf.num_radial
    roots = _zeros(n_sph, n_rad)
    act = swish
    N = z.numel()
    edges = [(j, i) for i in range(N) for j in range(N) if i != j and batch[i] == batch[j]
             and (pos[i] - pos[j]).norm() <= c]
    eid = {e: n for n, e in enumerate(edges)}

    def rbf(d):
        x = d / c
        return _envelope(x) * torch.sin(torch.arange(1, n_rad + 1) * math.pi * x)

    def sbf(d, angle):
        x = float(d / c)
        vals = []
        for l in range(n_sph):
            y = math.sqrt((2 * l + 1) / (4 * math.pi)) * eval_legendre(l, math.cos(angle))
            for r in roots[l]:
                norm = math.sqrt(2.0) / abs(scipy_jn(l + 1, r))
                vals.append(_envelope(x) * norm * scipy_jn(l, r * x) * y)
        return torch.tensor(vals, dtype=torch.float)

    dist = {e: (pos[e[1]] - pos[e[0]]).norm() for e in edges}
    R = {e: rbf(dist[e]) for e in edges}
    emb = model.emb
    m = {}
    for (j, i) in edges:
        h = torch.cat([emb.emb.weight[z[i]], emb.emb.weight[z[j]],
                       act(emb.lin_rbf(R[(j, i)]))])
        m[(j, i)] = act(emb.lin(h))

    def output(block, msgs):
        atoms = torch.zeros(N, msgs[edges[0]].numel())
        for (j, i) in edges:
            atoms[i] += block.lin_rbf(R[(j, i)]) * msgs[(j, i)]
        for lin in block.lins:
            atoms = act(lin(atoms))
        return block.lin(atoms)

    P = output(model.output_blocks[0], m)
    for inter, out_block in zip(model.interaction_blocks, model.output_blocks[1:]):
        new = {}
        for (j, i) in edges:
            agg = torch.zeros(model.hidden_channels)
            for (k, jj) in edges:
                if jj != j or k == i:
                    continue
                v1, v2 = pos[j] - pos[i], pos[k] - pos[j]
                cosang = float(v1 @ v2 / (v1.norm() * v2.norm()))
                angle = math.acos(max(-1.0, min(1.0, cosang)))
                s = inter.lin_sbf(sbf(dist[(k, j)], angle))
                xk = act(inter.lin_kj(m[(k, j)])) * inter.lin_rbf(R[(k, j)])
                agg += torch.einsum("b,h,obh->o", s, xk, inter.W)
            h = act(inter.lin_ji(m[(j, i)])) + agg
            for layer in inter.layers_before_skip:
                h = layer(h)
            h = act(inter.lin(h)) + m[(j, i)]
            for layer in inter.layers_after_skip:
                h = layer(h)
            new[(j, i)] = h
        m = new
        P = P + output(out_block, m)
    return torch.zeros(int(batch.max()) + 1, P.size(1)).index_add_(0, batch, P)


def test_matches_explicit_loops():
    z, pos, batch = _molecules()
    model = _model()
    with torch.no_grad():
        expected = _reference(model, z, pos, batch)
        out = model(z, pos, batch)
    assert torch.allclose(out, expected, atol=1e-4, rtol=1e-4)
    # With autograd the triplet sum runs densely instead of as one sparse product.
    assert torch.allclose(model(z, pos, batch), out, atol=1e-5)
    # Without a batch vector the output of the single molecule is summed to [C].
    with torch.no_grad():
        single = model(z[:4], pos[:4])
    assert single.shape == (2, ) and torch.allclose(single, out[0], atol=1e-5)


def test_bases_by_hand():
    dist = torch.tensor([0.3, 1.1, 2.4], dtype=torch.float64)
    rbf = BesselBasisLayer(4, cutoff=2.5).double()(dist)
    x = (dist / 2.5).view(-1, 1)
    expected = _envelope(x) * torch.sin(torch.arange(1, 5) * math.pi * x)
    assert torch.allclose(rbf, expected)

    layer = SphericalBasisLayer(3, 2, cutoff=2.5).double()
    angle = torch.tensor([0.2, 1.9])
    idx_kj = torch.tensor([2, 0])
    out = layer(dist, angle.double(), idx_kj)
    roots = _zeros(3, 2)
    for t in range(2):
        xd = float(dist[idx_kj[t]] / 2.5)
        for l in range(3):
            y = math.sqrt((2 * l + 1) / (4 * math.pi)) * eval_legendre(l, math.cos(angle[t]))
            for n, r in enumerate(roots[l]):
                val = (_envelope(xd) * math.sqrt(2) / abs(scipy_jn(l + 1, r))
                       * scipy_jn(l, r * xd) * y)
                assert abs(float(out[t, l * 2 + n]) - val) < 1e-9


def test_triplets_by_brute_force():
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3, 0, 3], [1, 0, 2, 1, 3, 2, 3, 0]])
    i, j, idx_i, idx_j, idx_k, idx_kj, idx_ji = triplets(edge_index, 4)
    assert torch.equal(i, edge_index[1]) and torch.equal(j, edge_index[0])
    got = {(int(a), int(b)) for a, b in zip(idx_kj, idx_ji)}
    E = edge_index.size(1)
    want = {(kj, ji) for kj in range(E) for ji in range(E)
            if edge_index[1, kj] == edge_index[0, ji] and edge_index[0, kj] != edge_index[1, ji]}
    assert got == want and len(got) == idx_kj.numel()
    assert torch.equal(idx_k, edge_index[0, idx_kj]) and torch.equal(idx_j, edge_index[0, idx_ji])
    assert torch.equal(idx_i, edge_index[1, idx_ji])


def test_invariance_and_equivariance():
    z, pos, batch = _molecules()
    model = _model(num_blocks=2)
    with torch.no_grad():
        out = model(z, pos, batch)
        rot, _ = torch.linalg.qr(torch.randn(3, 3))
        moved = pos @ rot.t() + torch.tensor([0.5, -1.0, 2.0])
        assert torch.allclose(model(z, moved, batch), out, atol=1e-4)
        # Permuting atoms inside each molecule leaves the outputs unchanged ...
        perm = torch.tensor([3, 1, 0, 2, 5, 6, 4])
        assert torch.allclose(model(z[perm], pos[perm], batch), out, atol=1e-5)
        # ... and swapping the molecules swaps the output rows.
        swap = torch.tensor([4, 5, 6, 0, 1, 2, 3])
        new_batch = torch.tensor([0, 0, 0, 1, 1, 1, 1])
        assert torch.allclose(model(z[swap], pos[swap], new_batch), out.flip(0), atol=1e-5)
        atoms = model.atom_outputs(z, pos, batch)
        assert torch.allclose(model.atom_outputs(z[perm], pos[perm], batch), atoms[perm],
                              atol=1e-5)


def test_gradients_wrt_positions():
    z = torch.tensor([6, 1, 8, 1])
    torch.manual_seed(5)
    pos = (torch.randn(4, 3, dtype=torch.float64) * 0.6).requires_grad_()
    model = _model(hidden_channels=3, num_bilinear=2, num_spherical=2, num_radial=2,
                   cutoff=5.0, num_after_skip=0, num_output_layers=1).double()
    assert torch.autograd.gradcheck(lambda p: model(z, p), (pos,), fast_mode=True)


@pytest.mark.slow  # the oracle derives its bases symbolically on construction
def test_matches_torch_geometric(monkeypatch):
    pyg = pytest.importorskip("torch_geometric.nn.models.dimenet")
    monkeypatch.setattr(pyg, "radius_graph", radius_graph)

    class AngleAtI(DimeNet):  # the installed oracle measures the angle at atom i
        @staticmethod
        def angles(pos, idx_i, idx_j, idx_k):
            a, b = pos[idx_j] - pos[idx_i], pos[idx_k] - pos[idx_i]
            return torch.atan2(torch.linalg.cross(a, b, dim=-1).norm(dim=-1),
                               (a * b).sum(-1))

    z, pos, batch = _molecules()
    args = dict(hidden_channels=8, out_channels=2, num_blocks=2, num_bilinear=3,
                num_spherical=3, num_radial=4, cutoff=2.5)
    ours = AngleAtI(**args)
    for block in ours.output_blocks:
        torch.nn.init.normal_(block.lin.weight)
    ref = pyg.DimeNet(**args)
    ref.load_state_dict(ours.state_dict())
    with torch.no_grad():
        assert torch.allclose(ours(z, pos, batch), ref(z, pos, batch), atol=1e-4)


def test_repr_pretrained_and_bad_input():
    model = _model()
    assert repr(model).startswith("DimeNet(\n  (rbf): BesselBasisLayer(")
    with pytest.raises(RuntimeError, match="need a download"):
        DimeNet.from_qm9_pretrained("root", None, 0)
    with pytest.raises(ValueError, match="num_radial must be a positive integer"):
        DimeNet(8, 1, 1, 2, 3, 0)
    with pytest.raises(ValueError, match="pos must have shape"):
        model(torch.tensor([1, 6]), torch.randn(2, 2))
    with pytest.raises(ValueError, match="atomic numbers must lie"):
        model(torch.tensor([1, 99]), torch.randn(2, 3))
