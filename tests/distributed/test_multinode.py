"""Replicas on a 3-node Ray cluster (head + 2 workers, one machine): dense and sparse sync,
recovery from a killed worker and a killed embedding shard, dead-actor errors."""
import os
import sys
import time

import pytest
import torch

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from distgnn.distributed import (ActorDiedError, RemoteTimeoutError, RunConfig,  # noqa: E402
                                 ScalingConfig, ShardedEmbedding, SyncConfig, Trainer,
                                 get_context, prepare_model, replica_divergence, unwrap)
from distgnn.remote import Remote, wait  # noqa: E402

N, DIM, FEAT, B, STEPS = 40, 4, 6, 8, 6


@pytest.fixture(scope="module")
def cluster(own_ray):
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    for _ in range(2):
        c.add_node(num_cpus=1)
    c.wait_for_nodes()
    ray.init(address=c.address)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield c
    ray.shutdown()
    c.shutdown()


def _batch(step: int, rank: int):
    g = torch.Generator().manual_seed(1000 * step + rank)
    return torch.randint(N, (B,), generator=g), torch.randn(B, FEAT, generator=g), \
        torch.randn(B, 1, generator=g)


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(FEAT + DIM, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


def _embedding(**kw):
    kw.setdefault("name", "node")
    return ShardedEmbedding(N, DIM, num_shards=3, optimizer="sparse_adam", lr=0.05, seed=1, **kw)


def _inject_failures(cfg, ctx, step, emb):
    marker = os.path.join(cfg.get("marker_dir", ""), f"killed-{step}")
    if step not in cfg.get("kill", {}) or os.path.exists(marker):
        return
    what = cfg["kill"][step]
    if what == "worker" and ctx.rank == 1:
        open(marker, "w").close()
        os._exit(1)  # the process dies mid-epoch, no clean-up
    if what == "shard" and ctx.rank == 0:
        open(marker, "w").close()
        ray.kill(emb.actors()[0], no_restart=True)
        for _ in range(100):  # the next remote call fails and names the dead shard
            emb.gather(torch.arange(N))
            time.sleep(0.1)


def _train_fn(cfg):
    ctx = get_context()
    model = prepare_model(_model())
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    emb = _embedding()
    state = ctx.load_checkpoint(embeddings={"node": emb})
    start = 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start = state["step"]
    for step in range(start, STEPS):
        _inject_failures(cfg, ctx, step, emb)
        ids, x, y = _batch(step, ctx.rank)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(torch.cat([x, emb.pull(ids)], 1)), y)
        loss.backward()
        opt.step()
        emb.push()
        metrics = {"step": step, "loss": loss.item(), "start": start,
                   "divergence": replica_divergence(model), "world": ctx.world_size}
        ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step + 1}
        ctx.report(metrics, checkpoint=ckpt if step % 2 == 1 else None, embeddings={"node": emb})
    return {"model": unwrap(model).state_dict(), "emb": emb.weight()}


def _single_process_reference():
    """The same steps in one process: both replicas' batches at once, sparse nn.Embedding."""
    model = _model()
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    w0 = _embedding(backend="local").weight()
    emb = torch.nn.Embedding.from_pretrained(w0, freeze=False, sparse=True)
    eopt = torch.optim.SparseAdam(emb.parameters(), lr=0.05)
    for step in range(STEPS):
        ids, x, y = (torch.cat(t) for t in zip(_batch(step, 0), _batch(step, 1)))
        opt.zero_grad()
        eopt.zero_grad()
        torch.nn.functional.mse_loss(model(torch.cat([x, emb(ids)], 1)), y).backward()
        opt.step()
        eopt.step()
    return model.state_dict(), emb.weight.detach()


def _fit(tmp_path, name, **cfg):
    run = RunConfig(dir=str(tmp_path / name), max_failures=len(cfg.get("kill", {})))
    return Trainer(_train_fn, dict(cfg, marker_dir=str(tmp_path)),
                   scaling=ScalingConfig(num_workers=2), sync=SyncConfig(remote_timeout_s=30),
                   run=run).fit()


def _assert_matches_reference(res):
    ref_model, ref_emb = _single_process_reference()
    for k, v in ref_model.items():
        torch.testing.assert_close(res.return_value["model"][k], v, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(res.return_value["emb"], ref_emb, rtol=1e-5, atol=1e-6)


@pytest.mark.multinode
@pytest.mark.slow
def test_killed_worker_and_shard_resume_from_checkpoint(cluster, tmp_path):
    """Two replicas with a sharded embedding end as one process would, though a replica dies
    at step 2 and an embedding shard at step 4."""
    res = _fit(tmp_path, "faulty", kill={2: "worker", 4: "shard"})
    steps = [h["step"] for h in res.history]
    # checkpoints after steps 1 and 3: each failure resumes at the step after the last one
    assert sorted(set(steps)) == list(range(STEPS)) and res.metrics["step"] == STEPS - 1
    assert [h["start"] for h in res.history if h["step"] == STEPS - 1] == [4]
    assert set(h["start"] for h in res.history) == {0, 2, 4}
    assert all(h["divergence"] == 0.0 and h["world"] == 2 for h in res.history)
    _assert_matches_reference(res)  # through both failures: the two replicas train as one process
    left = [a for a in ray.util.list_named_actors(all_namespaces=True)
            if a["name"].startswith("distgnn/faulty-")]
    assert not left  # the run's embedding shards are gone with it


@pytest.mark.multinode
def test_ray_shards_match_local_and_dead_shard_is_named(cluster):
    local, sharded = _embedding(backend="local"), _embedding(backend="ray", timeout_s=10)
    assert len({ray.get(a.__ray_ready__.remote(), timeout=30) is None for a in sharded.actors()}) == 1
    for step in range(3):
        ids, x, _ = _batch(step, 0)
        for emb in (local, sharded):
            (emb.pull(ids) * x[:, :DIM]).sum().backward()
            emb.push()
    torch.testing.assert_close(sharded.weight(), local.weight())
    ray.kill(sharded.actors()[1], no_restart=True)
    t0 = time.time()
    with pytest.raises(ActorDiedError, match=r"embedding shard distgnn/local/node/1 \(rows \[13, 26\)\) died during 'pull'"):
        for _ in range(50):
            sharded.gather(torch.arange(N))
            time.sleep(0.1)
    assert time.time() - t0 < 10
    sharded.close()


def test_rows_pulled_as_float16_are_the_rounded_rows_in_half_the_bytes(cluster):
    from distgnn.distributed.sharded_embedding import pull_rows
    from distgnn.traffic import TRAFFIC

    exact = _embedding(backend="ray", name="exact")
    half = _embedding(backend="ray", name="half", wire_dtype="float16")
    ids = torch.arange(0, N, 3)
    before = TRAFFIC.snapshot()
    rows = exact.gather(ids)
    mid = TRAFFIC.snapshot()
    rounded = half.gather(ids)
    after = TRAFFIC.snapshot()
    assert rows.dtype == rounded.dtype == torch.float32
    assert torch.equal(rounded, rows.half().float()) and not torch.equal(rounded, rows)
    got = [sum(b[k] - a[k] for k in ("recv_same", "recv_cross")) for a, b in ((before, mid), (mid, after))]
    assert got == [rows.numel() * 4, rows.numel() * 2]
    assert torch.equal(pull_rows([half], ids)[0], rounded)
    half.pull(ids).sum().backward()  # gradient 1: Adam's first step moves each row by -lr
    half.push()
    moved = rounded - half.gather(ids)  # the float32 rows moved; both sides rounded to float16
    assert torch.allclose(moved, torch.full_like(rows, 0.05), atol=4e-3)
    with pytest.raises(ValueError, match="wire_dtype must be one of float32, float16, got 'bf16'"):
        _embedding(backend="local", wire_dtype="bf16")
    exact.close()
    half.close()


@ray.remote(num_cpus=0)
class _Sleeper:
    def nap(self, s):
        time.sleep(s)


@pytest.mark.multinode
def test_late_actor_gives_timeout_naming_it(cluster):
    actor = _Sleeper.remote()
    with pytest.raises(RemoteTimeoutError, match="sampler 'slow' did not answer 'nap' within 0.5 s"):
        wait([Remote(actor, "sampler 'slow'", timeout_s=0.5).call("nap", 30)])
    ray.kill(actor)
