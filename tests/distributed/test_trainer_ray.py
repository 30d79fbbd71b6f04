"""Trainer on Ray Train started without a running Ray: the Ray it starts is the private one of
``distgnn.distributed.local_ray`` (Ray's servers listen on loopback only, a 0600 token) and it
is gone when ``fit`` returns; with one replica nothing of Ray starts at all."""
import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.ray]

_LOOPBACK = {"127.0.0.1", "::ffff:127.0.0.1", "::1"}

_DRIVER = textwrap.dedent("""
    import json, os, sys
    import psutil, torch
    from distgnn.distributed import RunConfig, ScalingConfig, Trainer, get_context, prepare_model

    def train():
        ctx = get_context()
        prepare_model(torch.nn.Linear(2, 1))
        ctx.report({"rank": ctx.rank})
        if ctx.rank:
            return []
        if "RAY_RAYLET_PID" not in os.environ:
            return None  # in the driver's process
        driver = psutil.Process(int(os.environ["RAY_RAYLET_PID"])).parent()
        pids = {p.pid: p.name() for p in [driver] + driver.children(recursive=True)}
        return sorted([c.laddr.ip, pids[c.pid]] for c in psutil.net_connections(kind="inet")
                      if c.status == psutil.CONN_LISTEN and c.pid in pids)

    workers = int(sys.argv[2])
    res = Trainer(train, scaling=ScalingConfig(num_workers=workers),
                  run=RunConfig(dir=sys.argv[1])).fit()
    alive = [p.name() for p in psutil.Process().children(recursive=True)
             if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    ray = sys.modules.get("ray")
    print(json.dumps({"sockets": res.return_value, "ray_after": bool(ray and ray.is_initialized()),
                      "ray_modules": "ray" in sys.modules, "alive": alive}))
""")


def _fit(tmp_path, workers: int) -> dict:
    script = tmp_path / "driver.py"
    script.write_text(_DRIVER)
    env = {**os.environ, "RAY_AUTH_TOKEN_PATH": str(tmp_path / "ray" / "auth_token")}
    for var in ("RAY_ADDRESS", "RAY_LOG_TO_DRIVER", "RAY_LOGGER_LEVEL", "RAY_AUTH_MODE",
                "RAY_AUTH_TOKEN"):
        env.pop(var, None)
    out = subprocess.run([sys.executable, str(script), str(tmp_path / "run"), str(workers)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_trainer_starts_a_private_ray_and_stops_it(tmp_path):
    got = _fit(tmp_path, 2)
    names = {name for _, name in got["sockets"]}
    assert {"gcs_server", "raylet"} <= names, got["sockets"]  # not vacuous
    # Ray's own servers; the replicas' torch.distributed store (TCPStore) binds every interface
    ray_own = [(ip, name) for ip, name in got["sockets"] if name != "ray::RayTrainWorker"]
    assert all(ip in _LOOPBACK for ip, _ in ray_own), got["sockets"]
    token = tmp_path / "ray" / "auth_token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600 and len(token.read_text()) == 64
    assert got["ray_after"] is False and got["alive"] == []


def test_one_replica_trains_without_ray(tmp_path):
    got = _fit(tmp_path, 1)
    assert got["sockets"] is None and got["ray_modules"] is False and got["alive"] == []
