"""Jobs on a 2-node Ray cluster (head + worker, 2 CPUs each, one machine): where the replicas and shard
servers run, recorded in summary.json, and the same training as on one node."""
import json
import os
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from distgnn.cli import main  # noqa: E402
from distgnn.distributed.placement import read_placement, ray_strategy  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.multinode]

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["data.generator.num_nodes=800", "data.generator.num_blocks=4", "data.generator.num_features=16",
         "data.generator.train_per_class=40", "data.generator.num_val=150", "data.generator.num_test=300",
         "data.num_parts=4", "model.hidden_channels=16", "run.epochs=2", "run.lr=0.02",
         "scaling.num_workers=2", "run.progress=false", "sampler.num_actors=2"]


@pytest.fixture(scope="module")
def cluster(own_ray):
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    # a removed node is declared dead after 3 missed health checks 0.5 s apart (Ray: 5 of 3 s)
    c = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 2, "include_dashboard": False,
        "_system_config": {"health_check_period_ms": 500, "health_check_failure_threshold": 3}})
    c.add_node(num_cpus=2)
    c.wait_for_nodes()
    ray.init(address=c.address)
    yield c
    ray.shutdown()
    c.shutdown()


def _train_code(run_dir, placement: str, *extra) -> int:
    argv = ["train", str(ROOT / "examples" / "configs" / "cluster_gcn.yaml"), "-p", f"run.dir={run_dir}",
            "-p", f"scaling.placement={placement}", "-p", f"data.output={run_dir.parent / 'graph.zarr'}"]
    for o in SMALL + list(extra):
        argv += ["-p", o]
    return main(argv)


def _train(run_dir, placement: str, *extra):
    assert _train_code(run_dir, placement, *extra) == 0
    return json.loads((run_dir / "summary.json").read_text())


def test_replicas_spread_over_nodes_or_packed_train_alike_and_say_where(cluster, tmp_path):
    spread = _train(tmp_path / "spread", "spread")
    nodes = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    where = spread["placement"]
    assert where["strategy"] == "SPREAD" and len(where["replicas"]) == 2
    assert len(set(where["replicas"])) == 2 and set(where["replicas"]) <= nodes  # one replica per node
    assert len(where["shard_servers"]) == 2 and set(where["shard_servers"]) <= nodes
    assert where["nodes"] == len(set(where["replicas"]) | set(where["shard_servers"]))
    # bytes per step of replica 0's calls to the shard servers, split by node
    last = spread["final"]
    assert last["recv_bytes_per_step"] > 0 and last["sent_bytes_per_step"] > 0 and last["grad_bytes_per_step"] > 0
    assert 0 <= last["cross_node_bytes_per_step"] <= last["recv_bytes_per_step"] + last["sent_bytes_per_step"]
    if set(where["shard_servers"]) == {where["replicas"][0]}:
        assert last["cross_node_bytes_per_step"] == 0
    packed = _train(tmp_path / "pack", "pack")
    assert packed["placement"]["strategy"] == "PACK" and len(set(packed["placement"]["replicas"])) == 1
    # the same replicas, the same batches: the same training wherever they run
    assert abs(packed["final"]["test_acc"] - spread["final"]["test_acc"]) <= 0.005
    assert packed["final"]["train_loss"] == pytest.approx(spread["final"]["train_loss"], rel=1e-4)


def test_auto_spreads_on_several_nodes_and_packs_on_one():
    assert ray_strategy("auto", 2) == "SPREAD" and ray_strategy("auto", 1) == "PACK"
    assert ray_strategy("pack", 4) == "PACK"
    with pytest.raises(ValueError, match="placement must be one of auto, spread, pack, got 'wide'"):
        ray_strategy("wide", 2)


def test_read_placement_counts_the_nodes_used(tmp_path):
    (tmp_path / "placement.json").write_text(json.dumps({"strategy": "SPREAD", "replicas": ["a", "b"]}))
    got = read_placement(str(tmp_path), shard_servers=["b", "c"], embedding_servers=[])
    assert got == {"strategy": "SPREAD", "replicas": ["a", "b"], "shard_servers": ["b", "c"], "nodes": 3}
    assert read_placement(str(tmp_path / "none")) == {"nodes": 0}


def _remove_worker_after_first_row(cluster, run, removed):
    import threading
    import time

    from distgnn.jobs import read_metrics

    worker = next(n for n in cluster.list_all_nodes() if n is not cluster.head_node)

    def remove():
        deadline = time.time() + 300
        while time.time() < deadline:
            if (run / "metrics.csv").exists() and read_metrics(str(run / "metrics.csv")):
                removed.update(at=len(read_metrics(str(run / "metrics.csv"))), node=worker.node_id)
                cluster.remove_node(worker)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=remove, daemon=True)
    thread.start()
    return thread


def _train_losing_the_worker(cluster, run, *extra):
    removed = {}
    thread = _remove_worker_after_first_row(cluster, run, removed)
    try:
        code = _train_code(run, "spread", "run.epochs=4", *extra)
    finally:
        thread.join()
        if "at" in removed:  # back to two nodes, for what runs next
            cluster.add_node(num_cpus=2)
            cluster.wait_for_nodes()
    assert removed.get("at", 4) < 4, "the worker node was not removed mid-run"
    return code, removed["node"]


def test_a_worker_node_removed_mid_run_fails_naming_it_or_finishes_on_the_rest(cluster, tmp_path, capsys):
    """The worker node's raylet stops (``ray stop`` there) after the first epoch's row. With
    run.max_failures=0 the run fails in one line naming the node; with 2, the replicas restart
    on the node that is left, from the last checkpoint (the shard server that lived there is
    launched again), and the run finishes."""
    from distgnn.jobs import read_metrics

    capsys.readouterr()
    code, node = _train_losing_the_worker(cluster, tmp_path / "fail", "run.max_failures=0")
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("distgnn train: error")]
    assert code == 2 and len(lines) == 1
    assert f"on node {node[:12]}" in lines[0] and "left the Ray cluster" in lines[0], lines[0]
    run = tmp_path / "finish"
    code, _ = _train_losing_the_worker(cluster, run, "run.max_failures=2")
    assert code == 0
    assert [int(r["epoch"]) for r in read_metrics(str(run / "metrics.csv"))] == [0, 1, 2, 3]
    assert json.loads((run / "summary.json").read_text())["final"]["test_acc"] > 0.5
