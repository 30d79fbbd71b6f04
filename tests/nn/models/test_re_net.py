import pytest
import torch
import torch.nn.functional as F

from distgnn.data import Batch, Data
from distgnn.nn import RENet

# (sub, rel, obj, t) in chronological order.
EVENTS = [(0, 0, 1, 0), (0, 1, 2, 0), (2, 0, 1, 1), (0, 0, 3, 1), (1, 0, 0, 3),
          (0, 0, 2, 4), (2, 0, 1, 4), (0, 0, 1, 5)]


def _dataset(seq_len=2):
    transform = RENet.pre_transform(seq_len)
    out = []
    for s, r, o, t in EVENTS:
        data = Data(sub=torch.tensor([s]), rel=torch.tensor([r]), obj=torch.tensor([o]),
                    t=torch.tensor([t]))
        out.append(transform(data))
    return out


def test_pre_transform_by_hand():
    data = _dataset(seq_len=2)
    # Event 5 (0, 0, 2, t=4): the two previous timestamps are t=1 (slot 0) and t=3
    # (slot 1). Subject 0 under relation 0 met object 3 at t=1; object 2 met subject 0
    # under relation 0 nowhere (at t=0 the relation was 1, and t=0 is out of the window).
    d = data[5]
    assert d.h_sub.tolist() == [3] and d.h_sub_t.tolist() == [0]
    assert d.h_obj.tolist() == [] and d.h_obj_t.tolist() == []
    # Event 7 (0, 0, 1, t=5): window t=3 (slot 0), t=4 (slot 1).
    d = data[7]
    assert d.h_sub.tolist() == [2] and d.h_sub_t.tolist() == [1]
    assert d.h_obj.tolist() == [2] and d.h_obj_t.tolist() == [1]
    # Event 4 (1, 0, 0, t=3): window t=0, t=1. Subject 1 has no earlier events and
    # node 0 was never an object.
    d = data[4]
    assert d.h_sub.tolist() == [] and d.h_obj.tolist() == []
    # Event 3 (0, 0, 3, t=1): window (missing), t=0 -> object 1 at slot 1.
    assert data[3].h_sub.tolist() == [1] and data[3].h_sub_t.tolist() == [1]
    # Longer windows keep older timestamps.
    long = _dataset(seq_len=3)[7]
    assert sorted(zip(long.h_sub_t.tolist(), long.h_sub.tolist())) == [(0, 3), (2, 2)]
    assert sorted(zip(long.h_obj_t.tolist(), long.h_obj.tolist())) == [(0, 2), (2, 2)]


def _batch(seq_len=2):
    return Batch.from_data_list(_dataset(seq_len)[3:], follow_batch=["h_sub", "h_obj"])


def test_forward_by_hand():
    torch.manual_seed(0)
    model = RENet(num_nodes=4, num_rels=2, hidden_channels=3, seq_len=2)
    batch = _batch()
    log_obj, log_sub = model(batch)
    assert log_obj.shape == (5, 4) and log_sub.shape == (5, 4)
    for b in range(5):
        for node, hist, hist_t, hist_b, gru, lin, out in (
                (batch.sub, batch.h_sub, batch.h_sub_t, batch.h_sub_batch, model.sub_gru,
                 model.sub_lin, log_obj),
                (batch.obj, batch.h_obj, batch.h_obj_t, batch.h_obj_batch, model.obj_gru,
                 model.obj_lin, log_sub)):
            e, r = model.ent[node[b]], model.rel[batch.rel[b]]
            seq = []
            for s in range(2):
                members = hist[(hist_b == b) & (hist_t == s)]
                g = model.ent[members].mean(0) if members.numel() else torch.zeros(3)
                seq.append(torch.cat([e, g, r]))
            _, h = gru(torch.stack(seq).unsqueeze(0))
            expected = F.log_softmax(lin(torch.cat([e, h[-1, 0], r])), dim=0)
            assert torch.allclose(out[b], expected, atol=1e-6)


def test_gradients_finite_difference():
    torch.manual_seed(0)
    model = RENet(num_nodes=4, num_rels=2, hidden_channels=2, seq_len=2, num_layers=2)
    model = model.double()
    batch = _batch()
    ent = model.ent.detach().clone().requires_grad_()

    def f(ent_):
        out = torch.func.functional_call(model, {"ent": ent_}, (batch, ))
        return out[0], out[1]

    assert torch.autograd.gradcheck(f, (ent, ), fast_mode=True)


def test_metrics_by_hand():
    model = RENet(4, 2, 3, 2)
    logits = torch.tensor([[0.1, 0.9, 0.3, 0.2],   # y=1: rank 1
                           [0.5, 0.2, 0.3, 0.9],   # y=2: rank 3
                           [0.9, 0.1, 0.2, 0.3]])  # y=1: rank 4
    mrr, h1, h3, h10 = model.test(logits, torch.tensor([1, 2, 1])).tolist()
    assert mrr == pytest.approx((1 + 1 / 3 + 1 / 4) / 3)
    assert (h1, h3, h10) == pytest.approx((1 / 3, 2 / 3, 1.0))


def test_dropout_and_bad_input():
    model = RENet(4, 2, 3, 2, dropout=0.5)
    batch = _batch()
    model.eval()
    first = model(batch)[0]
    assert torch.equal(first, model(batch)[0])
    del batch.h_sub_batch
    with pytest.raises(ValueError, match="no 'h_sub_batch'"):
        model(batch)
    with pytest.raises(ValueError, match="seq_len must be a positive integer"):
        RENet.pre_transform(0)
    with pytest.raises(ValueError, match="hidden_channels must be a positive integer"):
        RENet(4, 2, 0, 2)


def test_matches_torch_geometric():
    pyg = pytest.importorskip("torch_geometric.nn.models")
    tgd = pytest.importorskip("torch_geometric.data")
    ref_transform = pyg.RENet.pre_transform(2)
    for (s, r, o, t), mine in zip(EVENTS, _dataset(2)):
        data = ref_transform(tgd.Data(sub=s, rel=r, obj=o, t=t))
        for key in ("h_sub", "h_obj"):
            want = sorted(zip(data[key + "_t"].tolist(), data[key].tolist()))
            assert sorted(zip(mine[key + "_t"].tolist(), mine[key].tolist())) == want
    torch.manual_seed(0)
    model = RENet(4, 2, 3, 2)
    ref = pyg.RENet(4, 2, 3, 2)
    ref.load_state_dict(model.state_dict())
    batch = _batch()
    for a, b in zip(model(batch), ref(batch)):
        assert torch.allclose(a, b, atol=1e-6)
    logits = torch.randn(6, 4)
    y = torch.tensor([0, 1, 2, 3, 0, 1])
    assert torch.allclose(model.test(logits, y), ref.test(logits, y))
