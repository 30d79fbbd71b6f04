"""Fault injection: each kind of process of a Node2Vec run (trainer replica, shard server,
embedding server) is SIGKILLed at a random step, for several seeds; the run must finish and end
with the same embedding table as an unfaulted run (the job is deterministic: batches depend on
(seed, rank, epoch), checkpoints carry the loop position and every shard's optimizer state).

The matrix (kind x trials x finished / identical) is printed; with DISTGNN_FAULTS_MATRIX=PATH
every kind is killed alone under two seeds and the matrix is also written there
(bench/results/faults_matrix.txt). The suite kills each kind once, in one run of 2 replicas: the
trainer replica, then a shard server, then an embedding server (one report apart); and both
servers behind the one replica in the driver's process."""
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

ray = pytest.importorskip("ray")

from distgnn.cli import main  # noqa: E402
from distgnn.config import load_config  # noqa: E402
from distgnn.distributed import ShardedEmbedding, latest_checkpoint, load_checkpoint  # noqa: E402
from distgnn.jobs import prepare_store, read_metrics  # noqa: E402
from distgnn.jobs.node2vec import EMBEDDING_NAME  # noqa: E402

from fault_helpers import own_ray_pids, sigkill  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.ray]

NODES, DIM, EPOCHS = 130, 8, 2   # as in CONFIG
CONFIG = Path(__file__).with_name("node2vec_small.yaml")
#: process kind -> what its command line holds
KINDS = {"trainer replica": "RayTrainWorker", "shard server": "ray::ShardServer",
         "embedding server": "ray::EmbeddingShardActor"}
#: the matrix of bench/results kills each kind under two seeds (two random steps)
SEEDS = (0, 1)
MATRIX = {}


@pytest.fixture(scope="module", autouse=True)
def ray_instance(suite_ray):
    yield
    _write_matrix()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("matrix")
    cfg = load_config(str(CONFIG), [f"data.output={root / 'g.zarr'}", f"run.dir={root / 'r'}"])
    return prepare_store(cfg, log=lambda *_: None)


def _train(store, run_dir, workers: int) -> int:
    return main(["train", str(CONFIG), "-p", f"data.store={store}", "-p", f"run.dir={run_dir}",
                 "-p", f"scaling.num_workers={workers}"])


def _steps(workers: int) -> int:
    return EPOCHS * -(-NODES // workers // 16)   # steps of each replica


def _final_table(run_dir, workers: int) -> torch.Tensor:
    emb = ShardedEmbedding(NODES, DIM, num_shards=2, backend="local", name=EMBEDDING_NAME)
    state = load_checkpoint(latest_checkpoint(str(run_dir)), embeddings={EMBEDDING_NAME: emb})
    assert state["position"] == {"epoch": EPOCHS, "step": 0, "global_step": _steps(workers)}
    return emb.weight()


def _reports(run_dir):
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def unfaulted(store, tmp_path_factory):
    """The final table of an unfaulted run, by number of replicas."""
    tables = {}

    def table(workers: int) -> torch.Tensor:
        if workers not in tables:
            run = tmp_path_factory.mktemp("unfaulted") / "run"
            assert _train(store, run, workers) == 0
            tables[workers] = _final_table(run, workers)
        return tables[workers]
    return table


class Killer(threading.Thread):
    """For each of ``kinds`` in turn, waits for replica 0's ``after``-th report (a checkpoint
    every 2 steps, one per epoch; one report later for each next kind), then SIGKILLs one
    process of that kind chosen by ``rng``; until stopped it notes every Ray Train worker it
    sees (new ones replace replicas restarted from a checkpoint)."""

    def __init__(self, run_dir, kinds, after: int, rng) -> None:
        super().__init__(daemon=True)
        self.run_dir, self.kinds, self.after, self.rng = run_dir, list(kinds), after, rng
        self.pids, self.at, self.workers = [], [], set()
        self.stop = threading.Event()

    def run(self) -> None:
        deadline = time.time() + 600
        while not self.stop.is_set() and time.time() < deadline:
            self.workers.update(own_ray_pids(KINDS["trainer replica"]))
            done = len(self.pids)
            if done < len(self.kinds):
                reports = _reports(self.run_dir)
                pids = own_ray_pids(KINDS[self.kinds[done]])
                if len(reports) >= self.after + done and pids:
                    self.pids.append(pids[int(self.rng.integers(len(pids)))])
                    self.at.append(reports[-1].get("global_step",
                                                   f"end of epoch {reports[-1]['epoch'] + 1}"))
                    sigkill(self.pids[-1])
            time.sleep(0.02)


#: (kinds killed in one run, seed, replicas): every kind on 2 Ray Train replicas; servers also
#: behind the one replica that runs in the driver's process
SERVERS = ("shard server", "embedding server")
if os.environ.get("DISTGNN_FAULTS_MATRIX"):
    TRIALS = [((k,), s, 2) for k in KINDS for s in SEEDS] + [((k,), 0, 1) for k in SERVERS]
else:
    TRIALS = [(tuple(KINDS), 0, 2), (SERVERS, 0, 1)]


def _label(kinds, workers: int) -> str:
    kind = " + ".join(kinds)
    return kind if workers == 2 else f"{kind} (1 replica in-process)"


@pytest.mark.parametrize("kinds,seed,workers", TRIALS,
                         ids=[f"{'+'.join(k.replace(' ', '_') for k in ks)}-{s}-{w}"
                              for ks, s, w in TRIALS])
def test_killed_process_run_finishes_with_unfaulted_parameters(store, unfaulted, tmp_path, capfd,
                                                               kinds, seed, workers):
    rng = np.random.default_rng([seed, list(KINDS).index(kinds[0]), len(kinds), workers])
    reference = unfaulted(workers)
    capfd.readouterr()
    run = tmp_path / "run"
    killer = Killer(run, kinds, after=int(rng.integers(1, 5)), rng=rng)
    killer.start()
    code = _train(store, run, workers)
    killer.stop.set()
    killer.join()
    err = capfd.readouterr().err
    rows = read_metrics(str(run / "metrics.csv")) if code == 0 else []
    finished = code == 0 and [int(r["epoch"]) for r in rows] == list(range(EPOCHS))
    identical = finished and torch.equal(_final_table(run, workers), reference)
    if workers == 1:  # the replica in the driver says so when it resumes
        restarts = err.count("resuming from the last checkpoint")
    else:  # Ray Train replaced its workers
        restarts = max(len(killer.workers) - workers, 0) // workers
    MATRIX.setdefault(_label(kinds, workers), []).append({
        "seed": seed, "killed_after": "/".join(map(str, killer.at)), "finished": finished,
        "identical": identical, "resumed": restarts})
    assert len(killer.pids) == len(kinds), f"no {kinds[len(killer.pids)]} process was found to kill"
    assert finished and identical


def _write_matrix() -> None:
    if not MATRIX:
        return
    lines = ["Fault injection (tests/faults/test_fault_matrix.py): Node2Vec, "
             f"{NODES} nodes, 2 Ray Train replicas (or 1 in the driver's process), 2 shard "
             f"servers, 2 embedding servers, {EPOCHS} epochs, a checkpoint every 2 steps, "
             "run.max_failures=2; per trial one process of each kind named SIGKILLed after a "
             "random report of replica 0 (one report apart); identical = final embedding table equal to an unfaulted run's.",
             "", f"{'process kind':<52} {'trials':>6} {'finished':>9} {'identical':>10}  "
             "killed after step (replica restarts from a checkpoint)"]
    for kind in dict.fromkeys(_label(ks, w) for ks, _, w in TRIALS):
        trials = MATRIX.get(kind, [])
        where = ", ".join(f"{t['killed_after']} ({t['resumed']})" for t in trials)
        lines.append(f"{kind:<52} {len(trials):>6} {sum(t['finished'] for t in trials):>9} "
                     f"{sum(t['identical'] for t in trials):>10}  {where}")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    out = os.environ.get("DISTGNN_FAULTS_MATRIX")
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text)
