"""An in-process Ray is private and quiet: loopback only, a 0600 token, no processes left
behind by a killed driver, and none of Ray's own log lines on the console by default."""
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
import torch

from distgnn.distributed import RunConfig, ScalingConfig, Trainer, get_context, prepare_model
from distgnn.jobs.ray_session import log_options, secure_token_file, token_path

pytestmark = pytest.mark.ray

_LOOPBACK = {"127.0.0.1", "::ffff:127.0.0.1", "::1"}
#: lines Ray prints from its internals, seen on the console before
_RAY_LINES = ("Reporting training result", "PreemptionWatcher", "max_restarts",
              "Token authentication", "Started a local Ray instance", "(TrainController",
              "(RayTrainWorker", "hello from a ray worker")


def _listening(pids):
    """``(ip, port, process name)`` of every listening TCP socket of ``pids``."""
    out = []
    for c in psutil.net_connections(kind="inet"):
        if c.status == psutil.CONN_LISTEN and c.pid in pids:
            try:
                out.append((c.laddr.ip, c.laddr.port, psutil.Process(c.pid).name()))
            except psutil.Error:
                pass
    return out


def _assert_loopback_only(pids):
    sockets = _listening(set(pids))
    names = {name for _, _, name in sockets}
    assert {"gcs_server", "raylet", "ray::DashboardAgent"} <= names, names  # not vacuous
    assert all(ip in _LOOPBACK for ip, _, _ in sockets), sorted(sockets)


def _train(config):
    ctx = get_context()
    model = prepare_model(torch.nn.Linear(2, 1))
    for step in range(2):
        ctx.report({"step": step}, checkpoint={"model": model.state_dict(), "step": step + 1})
    return step


@pytest.mark.slow
def test_train_job_is_quiet_and_every_ray_process_listens_on_loopback(suite_ray, tmp_path,
                                                                      capfd):
    run = RunConfig(dir=str(tmp_path / "run"))
    res = Trainer(_train, scaling=ScalingConfig(num_workers=2, mode="ray"), run=run).fit()
    assert res.return_value == 1 and [h["step"] for h in res.history] == [0, 1]
    _assert_loopback_only([p.pid for p in psutil.Process().children(recursive=True)])
    time.sleep(1.0)  # Ray forwards worker output about once a second
    out, err = capfd.readouterr()
    assert not [line for line in (out + err).splitlines() if any(s in line for s in _RAY_LINES)]


_DRIVER = textwrap.dedent("""
    import json, os, sys, time
    import psutil, ray
    from distgnn.jobs.ray_session import start_local_ray, stop_local_ray
    reaper = start_local_ray(2, verbose=sys.argv[1] == "1")

    @ray.remote
    def hello():
        print("hello from a ray worker", flush=True)
        return os.getpid()

    ray.get(hello.remote())
    time.sleep(1.5)
    pids = [c.pid for c in psutil.Process().children(recursive=True) if c.pid != reaper.process.pid]
    print(json.dumps({"pids": pids}), flush=True)
    if sys.argv[2] == "wait":
        time.sleep(600)
    stop_local_ray(reaper)
""")


def _driver(tmp_path, verbose: bool, wait: bool):
    script = tmp_path / "driver.py"
    script.write_text(_DRIVER)
    env = {**os.environ, "RAY_AUTH_TOKEN_PATH": str(tmp_path / "ray" / "auth_token")}
    for var in ("RAY_LOG_TO_DRIVER", "RAY_LOGGER_LEVEL", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN"):
        env.pop(var, None)
    return subprocess.Popen([sys.executable, str(script), "1" if verbose else "0",
                             "wait" if wait else "exit"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)


def _read_pids(proc):
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith('{"pids"'):
            return json.loads(line)["pids"], lines
    raise AssertionError("the driver ended early:\n" + "".join(lines))


def _gone(pids, timeout: float) -> list:
    """The processes of ``pids`` still running after ``timeout`` seconds."""
    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return [(p.pid, p.name()) for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_killed_driver_leaves_no_ray_process_and_a_private_token(tmp_path):
    proc = _driver(tmp_path, verbose=False, wait=True)
    try:
        pids, lines = _read_pids(proc)
        _assert_loopback_only(pids)
        token = tmp_path / "ray" / "auth_token"
        assert stat.S_IMODE(token.stat().st_mode) == 0o600 and len(token.read_text()) == 64
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        left = _gone(pids, timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert left == []
    output = "".join(lines) + proc.stdout.read()
    assert not [line for line in output.splitlines() if any(s in line for s in _RAY_LINES)], output


def test_verbose_driver_shows_ray_lines_and_stops_everything_at_exit(tmp_path):
    proc = _driver(tmp_path, verbose=True, wait=False)
    pids, lines = _read_pids(proc)
    output = "".join(lines) + proc.stdout.read()
    assert proc.wait(timeout=60) == 0
    assert "hello from a ray worker" in output and "Started a local Ray instance" in output
    assert _gone(pids, timeout=20) == []


def test_log_options_follow_verbose_unless_rays_variables_are_set(monkeypatch):
    monkeypatch.delenv("RAY_LOG_TO_DRIVER", raising=False)
    monkeypatch.delenv("RAY_LOGGER_LEVEL", raising=False)
    assert log_options(False) == {"log_to_driver": False, "logging_level": "ERROR"}
    assert log_options(True) == {"log_to_driver": True, "logging_level": "INFO"}
    monkeypatch.setenv("RAY_LOG_TO_DRIVER", "1")
    monkeypatch.setenv("RAY_LOGGER_LEVEL", "debug")
    assert log_options(False) == {"log_to_driver": True, "logging_level": "DEBUG"}


def test_token_file_is_made_private(tmp_path, monkeypatch):
    path = tmp_path / "tok" / "auth_token"
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(path))
    monkeypatch.delenv("RAY_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    assert secure_token_file(create=True) is None and not path.exists()
    monkeypatch.delenv("RAY_AUTH_MODE")
    assert token_path() == path
    assert secure_token_file(create=True) == path
    token = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and int(token, 16) >= 0 and len(token) == 64
    os.chmod(path, 0o644)  # as Ray itself writes it
    secure_token_file(create=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == token
