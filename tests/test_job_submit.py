"""`ray job submit` to a locally started head (token authentication on) runs a job to completion."""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.ray]

ROOT = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).with_name("ray"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pids_mentioning(text: str):
    """Processes whose command line names ``text`` (our head's private temp dir)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="ignore"):
                    yield int(entry.name)
            except OSError:
                continue


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _stop_head(temp_dir: str) -> None:
    """End only the processes of the head started here (never a broad `ray stop`)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = list(_pids_mentioning(temp_dir))
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + 2
        while time.time() < deadline and any(_running(pid) for pid in pids):
            time.sleep(0.05)


@pytest.fixture(scope="module")
def head(own_ray):  # beside another Ray on this machine the head's job agent never comes up
    temp_dir = f"/tmp/dgjs_{secrets.token_hex(3)}"
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    env.pop("RAY_ADDRESS", None)
    gcs, dash = _free_port(), _free_port()
    subprocess.run([RAY, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={gcs}",
                    "--dashboard-host=127.0.0.1", f"--dashboard-port={dash}", "--num-cpus=4",
                    f"--temp-dir={temp_dir}", "--disable-usage-stats"],
                   env=env, check=True, capture_output=True, timeout=180)
    try:
        yield env, f"http://127.0.0.1:{dash}"
    finally:
        _stop_head(temp_dir)


def _store(tmp_path) -> str:
    """The job's graph, partitioned here: the submitted job trains on a store it is given (the
    working directory's copy of the package would compile the partitioner's kernels anew)."""
    from distgnn.config import load_config
    from distgnn.jobs import prepare_store

    cfg = load_config(str(ROOT / "tests" / "jobs" / "small.yaml"),
                      [f"data.output={tmp_path / 'g.zarr'}", f"run.dir={tmp_path / 'r'}"])
    return prepare_store(cfg, log=lambda *_: None)


def test_submitted_job_runs_to_completion(head, tmp_path):
    env, address = head
    run_dir = tmp_path / "run"
    cmd = [RAY, "job", "submit", "--address", address, "--working-dir", str(ROOT),
           "--runtime-env-json", json.dumps({"excludes": [".venv", "runs", ".git", "*.zarr"]}),
           "--", sys.executable, "-m", "distgnn.cli", "train", "tests/jobs/small.yaml",
           "-p", f"data.store={_store(tmp_path)}", "-p", f"run.dir={run_dir}",
           "-p", "run.epochs=1", "-p", "scaling.num_workers=2"]
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert "succeeded" in log and "test accuracy: " in log
    assert "started in-process" not in log  # it joined the submitted-to cluster
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["epochs"] == 1 and summary["num_workers"] == 2
    assert (run_dir / "metrics.csv").exists() and (run_dir / "plot.png").exists()


def test_submit_without_token_is_refused(head):
    env, address = head
    env = {k: v for k, v in env.items() if k not in ("RAY_AUTH_TOKEN", "RAY_AUTH_MODE")}
    env["RAY_AUTH_MODE"] = "disabled"
    env["HOME"] = "/nonexistent"  # no ~/.ray/auth_token either
    out = subprocess.run([RAY, "job", "list", "--address", address], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
