"""Suite-wide settings.

Tests work on tiny tensors, where thread start-up costs more than it saves and
Ray workers started by other tests compete for the same cores; one intra-op
thread keeps the suite fast and its timings steady.
"""
import torch

torch.set_num_threads(1)

import os  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

#: Cora in the Planetoid format: ``$DISTGNN_PLANETOID`` or ``../shared/data/planetoid``
#: beside the repository (never copied into it).
PLANETOID_ROOT = os.environ.get(
    "DISTGNN_PLANETOID",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                 "planetoid"))


@pytest.fixture(scope="session")
def cora_root() -> str:
    """Folder holding ``ind.cora.*``; the test is skipped when it is absent."""
    if not os.path.isfile(os.path.join(PLANETOID_ROOT, "ind.cora.graph")):
        pytest.skip(f"Cora is not available under {os.path.normpath(PLANETOID_ROOT)}")
    return PLANETOID_ROOT


@pytest.fixture
def wait_until_dead():
    """``wait_until_dead(call)`` returns once ``call()`` (one ``ray.get`` on the actor) raises
    ``RayActorError``: ``ray.kill`` returns before the actor is gone."""
    import time

    def wait(call, limit_s: float = 60.0) -> None:
        import ray
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            try:
                call()
            except ray.exceptions.RayActorError:
                return
            time.sleep(0.05)
        raise AssertionError(f"the actor still answered {limit_s:g} s after ray.kill")
    return wait


#: the suite's in-process Ray, started as distgnn starts one (private, loopback only, quiet:
#: ``start_local_ray``) by the first test that asks for it (``suite_ray``, ``local_ray``) and kept
#: for every test after it, so that the suite pays Ray's start-up a few times rather than once
#: per module; a module that needs a Ray of its own (a multi-node ``Cluster``) asks for
#: ``own_ray``, which stops it first.
SUITE_RAY_CPUS = 4
_SUITE_RAY = {}


def _suite_ray():
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        from distgnn.jobs.ray_session import start_local_ray
        os.environ.setdefault("PYTHONFAULTHANDLER", "1")  # a crashing worker's stack in Ray's logs
        _SUITE_RAY["reaper"] = start_local_ray(SUITE_RAY_CPUS)
    return ray


def _stop_suite_ray() -> None:
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        from distgnn.jobs.ray_session import stop_local_ray
        stop_local_ray(_SUITE_RAY.pop("reaper", None))


@pytest.fixture(scope="module")
def suite_ray():
    """The suite's in-process Ray (4 CPU slots), for a module."""
    return _suite_ray()


@pytest.fixture
def local_ray():
    """The suite's in-process Ray, for one test."""
    return _suite_ray()


@pytest.fixture(scope="module")
def own_ray():
    """No Ray running in this process: the module starts (and stops) its own."""
    ray = pytest.importorskip("ray")
    _stop_suite_ray()
    return ray


# -- the end of the test process -------------------------------------------------------------
# The suite's verdict is its tests' verdict. After the last test, the interpreter's own teardown
# (exit handlers such as Ray's, module and thread-state cleanup, the C++ destructors of torch,
# numba's OpenMP pool and Ray's core worker, in an order none of them controls) once crashed the
# process with SIGSEGV after a run whose every test had passed. Every fixture has been torn down
# by the time the session finishes, where the suite's Ray is shut down; the exit handler
# registered then -- the last registered, hence the first to run -- ends the process with
# pytest's status.
# PYTHONFAULTHANDLER (set by `make test`) prints the stacks of any crash before that point.
import atexit  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    _stop_suite_ray()
    atexit.register(_exit_with, int(exitstatus))


def _exit_with(status: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
