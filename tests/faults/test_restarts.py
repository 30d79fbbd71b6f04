"""Processes that die come back: a SIGKILLed shard server is restarted by Ray and answers the
calls it dropped (the same batches as without the kill), and once Ray's restarts are used up the
client relaunches it (within its budget; past it one line says what died and what to do);
a SIGKILLed embedding shard comes back
empty, says so (ShardLostError) and serves again once restored or started afresh; actor names
carry the run's id, so runs whose directories share a base name keep their own actors."""
import shutil
import sys

import pytest
import torch

ray = pytest.importorskip("ray")

from distgnn.distributed import RunConfig, ScalingConfig, ShardedEmbedding, Trainer, get_context  # noqa: E402
from distgnn.distributed.run_id import ensure_run_id, read_run_id  # noqa: E402
from distgnn.distributed.sharded_embedding import SHARD_NAMESPACE  # noqa: E402
from distgnn.remote import ActorDiedError, ShardLostError  # noqa: E402
from distgnn.sampler import NeighborLoader, launch_shard_servers, shutdown_shard_servers  # noqa: E402
from distgnn.sampler.relaunch import SERVER_NAMESPACE  # noqa: E402

from fault_helpers import actor_pid, sigkill  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.ray]
N = 400


@pytest.fixture(scope="module", autouse=True)
def ray_instance(suite_ray):
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from distgnn.data import rmat_edge_index
    from distgnn.partition import partition_graph, write_store

    ei = rmat_edge_index(8, edge_factor=6, seed=3)
    n = 256
    g = torch.Generator().manual_seed(3)
    path = tmp_path_factory.mktemp("faults") / "g.zarr"
    write_store(path, ei, n, partition_graph(ei, n, 4, method="random", seed=0),
                x=torch.randn(n, 3, generator=g), y=torch.randint(0, 2, (n,), generator=g),
                method="random", seed=0)
    return str(path)


def _batches(client, kill=None):
    out = []
    for i, b in enumerate(NeighborLoader(client, [4, 3], batch_size=32, shuffle=True, seed=5,
                                         prefetch=1)):
        out.append((b.n_id.clone(), b.x.clone(), [blk.edge_index.clone() for blk in b.blocks]))
        if i == 1 and kill is not None:
            kill()
    return out


def test_killed_shard_server_costs_a_retry_not_the_run(store):
    client = launch_shard_servers(store, num_servers=2, timeout=60)
    try:
        reference = _batches(client)
        before = actor_pid(client.servers[0])
        faulted = _batches(client, kill=lambda: sigkill(before))
        after = actor_pid(client.servers[0])
    finally:
        shutdown_shard_servers(client)
    assert after != before  # a new process serves part of the graph
    assert len(faulted) == len(reference) == 8
    for (n1, x1, e1), (n2, x2, e2) in zip(faulted, reference):
        assert torch.equal(n1, n2) and torch.equal(x1, x2)
        assert all(torch.equal(a, b) for a, b in zip(e1, e2))


def _replacements():
    return sorted(e["name"] for e in ray.util.list_named_actors(all_namespaces=True)
                  if e.get("namespace") == SERVER_NAMESPACE)


def _same_batches(a, b):
    assert len(a) == len(b) == 8
    for (n1, x1, e1), (n2, x2, e2) in zip(a, b):
        assert torch.equal(n1, n2) and torch.equal(x1, x2)
        assert all(torch.equal(p, q) for p, q in zip(e1, e2))


def test_server_past_its_restarts_is_relaunched(store):
    client = launch_shard_servers(store, num_servers=2, timeout=60, max_restarts=1)
    try:
        reference = _batches(client)
        first = actor_pid(client.servers[0])
        sigkill(first)
        restarted = actor_pid(client.servers[0])  # Ray's one restart
        assert restarted != first
        dead = client.servers[0]
        faulted = _batches(client, kill=lambda: sigkill(restarted))  # dead for good now
        assert client.servers[0] is not dead and actor_pid(client.servers[0]) not in (first, restarted)
        assert client.launcher.relaunches == 1 and len(_replacements()) == 1
        _same_batches(faulted, reference)
        # a second copy of the client (what another replica holds) finds the same replacement
        copy = ray.cloudpickle.loads(ray.cloudpickle.dumps(client))
        copy.servers[0], copy._remotes[0] = dead, type(client._remotes[0])(dead, "shard server 0", 60)
        copy.launcher.generation[0] = 0
        _same_batches(_batches(copy), reference)
        assert actor_pid(copy.servers[0]) == actor_pid(client.servers[0])
        assert len(_replacements()) == 1
    finally:
        shutdown_shard_servers(client)
    assert _replacements() == []  # the relaunched server went with the others


def test_server_past_its_relaunch_budget_fails_in_one_line(store):
    client = launch_shard_servers(store, num_servers=2, timeout=60, max_restarts=0,
                                  max_relaunches=1)
    try:
        sigkill(actor_pid(client.servers[1]))
        _batches(client)  # relaunched once
        sigkill(actor_pid(client.servers[1]))
        with pytest.raises(ActorDiedError) as info:
            _batches(client)
    finally:
        shutdown_shard_servers(client)
    text = str(info.value)
    assert "\n" not in text and info.value.actor == "shard server 1"
    assert text.startswith(f"shard server 1 (parts [2, 3] of {store}) died and is not relaunched: "
                           "Ray's 0 restart(s) and 1 relaunch(es) (limit 1, run.max_failures) "
                           "are used up")
    assert "--resume" in text and "raise run.max_failures" in text


def _call_until_lost(emb):
    for _ in range(200):
        try:
            emb.gather(torch.arange(N))
        except ShardLostError as exc:
            return exc
        except ActorDiedError:
            pass  # the call that was running when it died
    raise AssertionError("the restarted shard never reported its lost rows")


def test_killed_embedding_shard_is_lost_until_restored(tmp_path):
    emb = ShardedEmbedding(N, 4, num_shards=2, optimizer="sparse_adam", lr=0.1, seed=2,
                           backend="ray", name="e", timeout_s=30)
    fresh = emb.weight()
    try:
        for step in range(3):
            emb.pull_unique(torch.arange(step, N, 3))
            emb.push_gradients(torch.arange(step, N, 3), torch.ones(len(range(step, N, 3)), 4))
        trained = emb.weight()
        emb.save(str(tmp_path / "saved"))
        sigkill(actor_pid(emb.actors()[1]))
        exc = _call_until_lost(emb)
        assert "embedding shard [200, 400) restarted and lost its rows" in str(exc)
        emb.load(str(tmp_path / "saved"))
        torch.testing.assert_close(emb.weight(), trained, rtol=0, atol=0)
        sigkill(actor_pid(emb.actors()[0]))
        _call_until_lost(emb)
        # a run without a checkpoint starts afresh: every shard back to its initial rows
        assert ray.get([a.reset_if_used.remote() for a in emb.actors()]) == [True, True]
        torch.testing.assert_close(emb.weight(), fresh, rtol=0, atol=0)
        assert ray.get([a.reset_if_used.remote() for a in emb.actors()]) == [False, False]
    finally:
        emb.close()


def test_run_id_is_kept_on_resume_and_new_for_a_copy(tmp_path):
    a, b = tmp_path / "x" / "job", tmp_path / "y" / "job"
    ida = ensure_run_id(str(a))
    assert ida == ensure_run_id(str(a)) == read_run_id(str(a)) and len(ida) == 12
    assert ensure_run_id(str(b)) not in ("", ida)
    shutil.copytree(a, tmp_path / "copy")
    assert read_run_id(str(tmp_path / "copy")) == ""  # written for another directory
    assert ensure_run_id(str(tmp_path / "copy")) != ida and read_run_id(str(a)) == ida
    (a / "run_id.json").write_text("not json")
    assert read_run_id(str(a)) == "" and len(ensure_run_id(str(a))) == 12


def _named_shards():
    emb = ShardedEmbedding(10, 2, num_shards=2, name="e")
    emb.push_gradients(torch.arange(10), torch.ones(10, 2))
    return {"names": [emb.shard_name(k) for k in range(2)], "run_id": get_context().run_id}


def test_runs_whose_dirs_share_a_base_name_keep_their_own_actors(tmp_path):
    from distgnn.distributed.embedding_shard import EmbeddingShardActor
    from distgnn.distributed.sparse_optim import OptimizerSpec

    # a shard of the run in b/job, up while the run in a/job goes on and ends
    name_b = f"distgnn/job-{ensure_run_id(str(tmp_path / 'b' / 'job'))}/e/0"
    held = ray.remote(EmbeddingShardActor).options(
        name=name_b, namespace=SHARD_NAMESPACE, lifetime="detached", num_cpus=0).remote(
        0, 10, 2, OptimizerSpec("sgd", 0.1), "normal", 1.0, 0, None)
    try:
        assert ray.get(held.ping.remote(), timeout=60) == 0
        out = Trainer(_named_shards, scaling=ScalingConfig(num_workers=1, mode="ray"),
                      run=RunConfig(dir=str(tmp_path / "a" / "job"))).fit().return_value
        assert out["run_id"] == read_run_id(str(tmp_path / "a" / "job")) != ""
        assert out["names"] == [f"distgnn/job-{out['run_id']}/e/{k}" for k in range(2)]
        left = [e["name"] for e in ray.util.list_named_actors(all_namespaces=True)
                if e.get("namespace") == SHARD_NAMESPACE]
        assert left == [name_b]  # run a removed its own shards, and only those
        assert ray.get(held.ping.remote(), timeout=60) == 0
    finally:
        ray.kill(held, no_restart=True)
