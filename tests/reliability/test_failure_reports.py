"""A failure inside Ray ends a command with ONE line (replica or actor, method, cause) naming
the full log written to the run directory, and exit status 2."""
import os

import pytest
import ray

from distgnn.commands.errors import FAILURE_LOG, log_failures_to, run_command
from distgnn.distributed import RunConfig, ScalingConfig, Trainer, get_context
from distgnn.remote import Remote

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("suite_ray")]


@pytest.fixture
def run_dir(tmp_path):
    log_failures_to(str(tmp_path))
    yield tmp_path
    log_failures_to(None)


def _one_line(capsys, status):
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _log_of(line, run_dir):
    path = line.rsplit("(full log: ", 1)[1].rstrip(")")
    assert path == os.path.join(str(run_dir), FAILURE_LOG)
    with open(path) as f:
        return f.read()


def _nan_lr(config):
    ctx = get_context()
    if ctx.rank == 1:
        raise ValueError("learning rate is nan")
    return ctx.rank


def test_replica_failure_names_the_replica_function_and_cause(run_dir, capsys):
    trainer = Trainer(_nan_lr, scaling=ScalingConfig(num_workers=2, mode="ray"),
                      run=RunConfig(dir=str(run_dir / "run")))
    line = _one_line(capsys, run_command(trainer.fit, "train"))
    assert line.startswith("distgnn train: error: replica 1: ValueError: learning rate is nan "
                           "(in _nan_lr, test_failure_reports.py:"), line
    log = _log_of(line, run_dir)
    assert "Traceback" in log and "raise ValueError(\"learning rate is nan\")" in log


@ray.remote
def _read_chunk(name):
    raise ValueError(f"chunk {name} is corrupt: crc32c mismatch")


def test_task_failure_names_the_task_and_cause(run_dir, capsys):
    status = run_command(lambda: ray.get(_read_chunk.remote("parts/1/col/c/0")), "inspect")
    line = _one_line(capsys, status)
    assert "Ray task" in line and "_read_chunk" in line and \
        "ValueError: chunk parts/1/col/c/0 is corrupt: crc32c mismatch" in line, line
    assert "crc32c mismatch" in _log_of(line, run_dir)


@ray.remote
class _Server:
    def count(self):
        return 1

    def sample(self, n):
        raise IndexError(f"node {n} is not in this shard")


def test_dead_actor_names_the_actor_and_method(run_dir, capsys, wait_until_dead):
    actor = _Server.remote()
    server = Remote(actor, "shard server 1", timeout_s=30)
    assert server("count") == 1
    line = _one_line(capsys, run_command(lambda: server("sample", 7), "train"))
    assert "shard server 1 in 'sample' raised IndexError: node 7 is not in this shard" in line
    ray.kill(actor, no_restart=True)
    wait_until_dead(lambda: ray.get(actor.count.remote(), timeout=60))
    line = _one_line(capsys, run_command(lambda: server("count"), "train"))
    assert line.startswith("distgnn train: error: shard server 1 died during 'count'") and \
        "killed by `ray.kill`" in line, line
    line = _one_line(capsys, run_command(lambda: ray.get(actor.count.remote()), "train"))
    assert line.startswith("distgnn train: error: Ray actor _Server (pid "), line
    assert "killed by `ray.kill`" in line
    assert "(full log: " in line


def test_a_bug_outside_ray_keeps_its_traceback(run_dir):
    with pytest.raises(KeyError):
        run_command(lambda: {}["missing"], "train")
    assert not os.path.exists(run_dir / FAILURE_LOG)
