"""Jobs on a 2-node Ray cluster (head + worker, 2 CPUs each, one machine): where the replicas and shard
servers run, recorded in summary.json, and the same training as on one node."""
import json
import os
import sys
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
def cluster():
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "include_dashboard": False})
    c.add_node(num_cpus=2)
    c.wait_for_nodes()
    ray.init(address=c.address)
    yield c
    ray.shutdown()
    c.shutdown()


def _train(run_dir, placement: str):
    argv = ["train", str(ROOT / "examples" / "configs" / "cluster_gcn.yaml"), "-p", f"run.dir={run_dir}",
            "-p", f"scaling.placement={placement}", "-p", f"data.output={run_dir.parent / 'graph.zarr'}"]
    for o in SMALL:
        argv += ["-p", o]
    assert main(argv) == 0
    return json.loads((run_dir / "summary.json").read_text())


def test_replicas_spread_over_nodes_or_packed_train_alike_and_say_where(cluster, tmp_path):
    spread = _train(tmp_path / "spread", "spread")
    nodes = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    where = spread["placement"]
    assert where["strategy"] == "SPREAD" and len(where["replicas"]) == 2
    assert len(set(where["replicas"])) == 2 and set(where["replicas"]) <= nodes  # one replica per node
    assert len(where["shard_servers"]) == 2 and set(where["shard_servers"]) == nodes  # one per node
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
