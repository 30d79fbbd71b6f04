"""The one local-or-remote call helper: in-process objects and Ray actors are called alike,
and every remote failure names the actor and the method."""
import pytest

from distgnn.remote import (ActorDiedError, Remote, RemoteCallError, RemoteError,
                            RemoteTimeoutError, ShardLostError, wait)


class Counter:
    def __init__(self):
        self.n = 0

    def add(self, k):
        self.n += k
        return self.n

    def fail(self):
        raise KeyError("no such row")

    def lose(self):
        raise ShardLostError("rows lost: restore from a checkpoint", "shard 0", "lose")


def test_in_process_calls_run_at_once_and_raise_unchanged():
    c = Remote(Counter(), "counter")
    assert not c.is_actor
    assert wait([c.call("add", 2), c.call("add", 3)]) == [2, 5] and c("add", 1) == 6
    with pytest.raises(KeyError, match="no such row"):
        c.call("fail")
    with pytest.raises(ValueError, match="timeout_s must be > 0"):
        Remote(Counter(), "x", timeout_s=0)


def test_error_family():
    for cls in (ActorDiedError, RemoteTimeoutError, RemoteCallError, ShardLostError):
        assert issubclass(cls, RemoteError)
    assert issubclass(RemoteTimeoutError, TimeoutError)
    e = RemoteCallError("shard server 1 in 'fetch' raised KeyError", "shard server 1", "fetch")
    assert (e.actor, e.method) == ("shard server 1", "fetch")


@pytest.mark.slow
def test_ray_actor_errors_name_actor_and_method(local_ray, wait_until_dead):
    ray = local_ray
    actor = ray.remote(Counter).options(num_cpus=0).remote()
    c = Remote(actor, "counter 7", timeout_s=30)
    assert c.is_actor and wait([c.call("add", 2), c.call("add", 3)]) == [2, 5]
    with pytest.raises(RemoteCallError, match=r"^counter 7 in 'fail' raised KeyError: 'no such row'") as info:
        c("fail")
    assert (info.value.actor, info.value.method) == ("counter 7", "fail")
    with pytest.raises(ShardLostError, match="rows lost"):  # the actor's own error, as it is
        c("lose")
    ray.kill(actor, no_restart=True)
    wait_until_dead(lambda: ray.get(actor.add.remote(0), timeout=60))
    with pytest.raises(ActorDiedError, match=r"^counter 7 died during 'add'"):
        c("add", 1)


class Echo:
    def node(self):
        from distgnn.remote import node_id
        return node_id()

    def echo(self, a, b):
        return {"a": a, "twice": (b, b)}


@pytest.mark.slow
def test_calls_to_actors_count_their_payload_by_node(local_ray):
    import numpy as np
    import torch

    from distgnn.traffic import TRAFFIC, dense_gradient_bytes, payload_bytes, per_step

    ray = local_ray
    lin = torch.nn.Linear(3, 2)
    lin.bias.requires_grad_(False)
    assert dense_gradient_bytes(lin) == 6 * 4  # trainable parameters only
    assert payload_bytes({"x": np.zeros(10, np.float32), "y": [torch.zeros(3, dtype=torch.int64), 7, "s"]}) == 64
    here = Remote(ray.remote(Echo).options(num_cpus=0).remote(), "echo")
    elsewhere = Remote(ray.remote(Counter).options(num_cpus=0).remote(), "counter")  # cannot say its node
    before = TRAFFIC.snapshot()
    got = here("echo", np.zeros(100, np.float64), torch.zeros(5, dtype=torch.int32))
    assert got["a"].shape == (100,)
    elsewhere("add", 1)
    d = {k: v - before[k] for k, v in TRAFFIC.snapshot().items()}
    assert d == {"sent_same": 800 + 20, "recv_same": 800 + 40, "sent_cross": 0, "recv_cross": 0}
    assert not here.cross_node and elsewhere.cross_node
    # a copy in another process asks there: the answer cached here does not travel with it
    import pickle
    assert pickle.loads(pickle.dumps(elsewhere))._cross is None and elsewhere._cross is True
    assert per_step(before, 2) == {"sent_bytes_per_step": 410.0, "recv_bytes_per_step": 420.0,
                                   "cross_node_bytes_per_step": 0.0}
    local = Remote(Echo(), "in process")
    local("echo", np.zeros(10), None)
    assert TRAFFIC.snapshot()["sent_same"] == before["sent_same"] + 820  # in-process calls move no bytes
