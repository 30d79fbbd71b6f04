import pytest
import torch

from distgnn.nn import TGNMemory
from distgnn.nn.models.tgn import (IdentityMessage, LastAggregator, LastNeighborLoader,
                                   MeanAggregator, TimeEncoder)

RAW, MEM, TIME = 2, 3, 2


def _memory(aggr=None, num_nodes=4):
    torch.manual_seed(0)
    return TGNMemory(num_nodes, RAW, MEM, TIME, IdentityMessage(RAW, MEM, TIME),
                     aggr if aggr is not None else LastAggregator())


def _enc(model, dt):
    return torch.cos(model.time_enc.lin.weight.view(-1) * dt + model.time_enc.lin.bias)


def test_update_semantics_by_hand():
    model = _memory()
    zero = torch.zeros(MEM)
    r1, r2, r3 = torch.randn(3, RAW)

    # Batch 1: 0 -> 1 at t=1. Nodes 0 and 1 have no stored messages yet.
    model.update_state(torch.tensor([0]), torch.tensor([1]), torch.tensor([1]), r1.view(1, -1))
    blank = model.gru(torch.zeros(1, IdentityMessage(RAW, MEM, TIME).out_channels),
                      zero.view(1, -1))[0]
    assert torch.allclose(model.memory[:2], blank.expand(2, -1), atol=1e-6)
    assert torch.equal(model.memory[2:], torch.zeros(2, MEM))
    assert model.last_update.tolist() == [0, 0, 0, 0]

    # Training-mode forward applies the stored messages on the fly, state untouched.
    mem, last = model(torch.tensor([0, 1, 2]))
    m0 = torch.cat([blank, blank, r1, _enc(model, 1.0)])  # source message of node 0
    m1 = torch.cat([blank, blank, r1, _enc(model, 1.0)])  # destination message of node 1
    want0 = model.gru(m0.view(1, -1), blank.view(1, -1))[0]
    want1 = model.gru(m1.view(1, -1), blank.view(1, -1))[0]
    want2 = model.gru(torch.zeros(1, m0.numel()), zero.view(1, -1))[0]
    assert torch.allclose(mem, torch.stack([want0, want1, want2]), atol=1e-6)
    assert last.tolist() == [1, 1, 0]
    assert torch.allclose(model.memory[0], blank)

    # Batch 2: 0 -> 2 at t=2 and 2 -> 3 at t=3; node 0's stored message is applied and
    # then replaced, node 1 keeps its stored message.
    model.update_state(torch.tensor([0, 2]), torch.tensor([2, 3]), torch.tensor([2, 3]),
                       torch.stack([r2, r3]))
    assert torch.allclose(model.memory[0], want0, atol=1e-6)
    assert torch.allclose(model.memory[2], want2, atol=1e-6)
    assert model.last_update.tolist() == [1, 0, 0, 0]
    # Node 1's stored message is rebuilt from the current memory of node 0.
    mem, last = model(torch.tensor([1]))
    m1 = torch.cat([blank, want0, r1, _enc(model, 1.0)])
    assert torch.allclose(mem[0], model.gru(m1.view(1, -1), blank.view(1, -1))[0], atol=1e-6)
    assert last.tolist() == [1]
    mem, last = model(torch.tensor([0, 2]))
    assert last.tolist() == [2, 3]
    m0 = torch.cat([want0, want2, r2, _enc(model, 2.0 - 1.0)])
    assert torch.allclose(mem[0], model.gru(m0.view(1, -1), want0.view(1, -1))[0], atol=1e-6)


def test_eval_flushes_and_updates_immediately():
    model = _memory()
    model.update_state(torch.tensor([0]), torch.tensor([1]), torch.tensor([5]),
                       torch.randn(1, RAW))
    trained, _ = model(torch.arange(4))
    model.eval()  # flushes every stored message into the memory
    assert torch.allclose(model.memory, trained, atol=1e-6)
    assert model.last_update.tolist() == [5, 5, 0, 0]
    assert model.msg_s_store[0].numel() == 0 and model.msg_d_store[0].numel() == 0
    # In evaluation the messages of a batch are stored and applied at once.
    model.update_state(torch.tensor([2]), torch.tensor([3]), torch.tensor([7]),
                       torch.randn(1, RAW))
    assert model.last_update.tolist() == [5, 5, 7, 7]
    mem, last = model(torch.tensor([3]))
    assert torch.equal(mem, model.memory[3:]) and last.tolist() == [7]
    model.reset_state()
    assert model.memory.abs().sum() == 0 and model.last_update.sum() == 0
    model.train()


def test_aggregators_and_time_encoder():
    msg = torch.tensor([[1.0, 1.0], [3.0, 5.0], [2.0, 0.0], [7.0, 7.0]])
    index = torch.tensor([0, 0, 2, 0])
    t = torch.tensor([4, 9, 1, 2])
    assert LastAggregator()(msg, index, t, 3).tolist() == [[3.0, 5.0], [0.0, 0.0],
                                                          [2.0, 0.0]]
    assert torch.allclose(MeanAggregator()(msg, index, t, 3),
                          torch.tensor([[11 / 3, 13 / 3], [0.0, 0.0], [2.0, 0.0]]))
    enc = TimeEncoder(3)
    x = torch.tensor([0.0, 2.5])
    want = torch.cos(x.view(-1, 1) * enc.lin.weight.view(1, -1) + enc.lin.bias)
    assert torch.allclose(enc(x), want)


def test_mean_aggregator_memory():
    model = _memory(MeanAggregator())
    raw = torch.randn(2, RAW)
    model.update_state(torch.tensor([0, 0]), torch.tensor([1, 2]), torch.tensor([1, 3]), raw)
    mem, last = model(torch.tensor([0]))
    s = model.memory
    msgs = [torch.cat([s[0], s[d], raw[k], _enc(model, float(tt))])
            for k, (d, tt) in enumerate([(1, 1), (2, 3)])]
    want = model.gru(((msgs[0] + msgs[1]) / 2).view(1, -1), s[0].view(1, -1))
    assert torch.allclose(mem, want, atol=1e-6) and last.tolist() == [3]


def test_gradients_flow():
    model = _memory().double()
    src, dst, t = torch.tensor([0, 1]), torch.tensor([1, 2]), torch.tensor([1, 2])

    def f(raw):
        model.reset_state()
        model.update_state(src, dst, t, raw)
        return model(torch.tensor([0, 1, 2]))[0]

    raw = torch.randn(2, RAW, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(f, (raw, ))
    f(raw).sum().backward()
    assert model.time_enc.lin.weight.grad.abs().sum() > 0
    assert model.gru.weight_ih.grad.abs().sum() > 0
    model.detach()
    assert not model.memory.requires_grad


def test_last_neighbor_loader_by_hand():
    loader = LastNeighborLoader(5, size=2)
    loader.insert(torch.tensor([0, 0]), torch.tensor([1, 2]))  # e_id 0, 1
    loader.insert(torch.tensor([3, 0]), torch.tensor([0, 4]))  # e_id 2, 3
    # Node 0 met 1 (e0), 2 (e1), 3 (e2), 4 (e3): the two latest are kept.
    assert loader.e_id[0].tolist() == [3, 2] and loader.neighbors[0].tolist() == [4, 3]
    assert loader.e_id[1].tolist() == [0, -1] and loader.neighbors[1, 0] == 0
    n_id, edge_index, e_id = loader(torch.tensor([1, 0]))
    assert n_id.tolist() == [0, 1, 3, 4]
    edges = {(int(n_id[a]), int(n_id[b]), int(e)) for a, b, e in zip(*edge_index, e_id)}
    assert edges == {(4, 0, 3), (3, 0, 2), (0, 1, 0)}
    loader.reset_state()
    assert loader(torch.tensor([0]))[1].numel() == 0


def test_matches_torch_geometric():
    tgn = pytest.importorskip("torch_geometric.nn.models.tgn")
    ours = _memory(num_nodes=6)
    ref = tgn.TGNMemory(6, RAW, MEM, TIME, tgn.IdentityMessage(RAW, MEM, TIME),
                        tgn.LastAggregator())
    state = {("_assoc" if k == "__assoc__" else k): v for k, v in ours.state_dict().items()}
    ref.load_state_dict(state)
    torch.manual_seed(1)
    for step in range(4):
        src, dst = torch.randint(0, 6, (2, 5))
        t = torch.arange(5) + 10 * step
        raw = torch.randn(5, RAW)
        for model in (ours, ref):
            model.update_state(src, dst, t, raw)
        n_id = torch.tensor([0, 2, 3, 5])
        for a, b in zip(ours(n_id), ref(n_id)):
            assert torch.allclose(a, b, atol=1e-5)
        if step == 2:
            ours.eval()
            ref.eval()
    assert torch.allclose(ours.memory, ref.memory, atol=1e-5)
    assert torch.equal(ours.last_update, ref.last_update)

    mine, theirs = LastNeighborLoader(6, 3), tgn.LastNeighborLoader(6, 3)
    for src, dst in ([[0, 1], [2, 3]], [[0], [3]], [[4], [0]]):
        mine.insert(torch.tensor(src), torch.tensor(dst))
        theirs.insert(torch.tensor(src), torch.tensor(dst))
    for a, b in zip(mine(torch.tensor([0, 3])), theirs(torch.tensor([0, 3]))):
        assert torch.equal(a, b)


def test_repr_and_bad_input():
    model = _memory()
    assert repr(model) == "TGNMemory(num_nodes=4, raw_msg_dim=2, memory_dim=3, time_dim=2)"
    with pytest.raises(ValueError, match="raw_msg must have shape"):
        model.update_state(torch.tensor([0]), torch.tensor([1]), torch.tensor([1]),
                           torch.randn(1, 3))
    with pytest.raises(ValueError, match="out_channels"):
        TGNMemory(4, RAW, MEM, TIME, torch.nn.Identity(), LastAggregator())
