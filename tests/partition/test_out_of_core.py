"""Out-of-core multilevel partitioning: label propagation, contraction on disk, refinement, the method."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from distgnn.data.generators import planted_partition_edge_index, rmat_edge_index
from distgnn.partition import partition, partition_graph
from distgnn.partition.api import choose_method
from distgnn.partition.contract_disk import contract_to_disk
from distgnn.partition.disk_csr import build_disk_csr
from distgnn.partition.graph import build_csr, edge_cut, graph_from_disk_csr
from distgnn.partition.label_prop import lp_cluster, lp_refine
from distgnn.partition.out_of_core import SCRATCH_PREFIX, min_memory_bytes, out_of_core_partition
from distgnn.partition.scratch import remove_stale

from partition_helpers import cut_edges


def _csr(tmp_path, ei, n, name="csr"):
    return build_disk_csr([ei], n, str(tmp_path / name))


@pytest.fixture(scope="module")
def planted():
    ei, blocks = planted_partition_edge_index(3000, 6, avg_degree=12, p_ratio=20, seed=3, return_blocks=True)
    return ei.numpy(), blocks.numpy()


def test_contraction_sums_the_edges_between_clusters_and_the_weights(tmp_path):
    # path 0-1-2-3-4 and the edge 0-4 (a 5-cycle); clusters {0, 1}, {2, 3}, {4}
    ei = np.array([[0, 1, 2, 3, 0], [1, 2, 3, 4, 4]])
    g = build_csr(ei, 5)
    coarse = contract_to_disk(g, np.array([0, 0, 1, 1, 2]), 3, str(tmp_path / "c"))
    rows = {u: dict(zip(np.asarray(coarse.adjncy[coarse.xadj[u]:coarse.xadj[u + 1]]).tolist(),
                        np.asarray(coarse.adjwgt[coarse.xadj[u]:coarse.xadj[u + 1]]).tolist())) for u in range(3)}
    assert rows == {0: {1: 1, 2: 1}, 1: {0: 1, 2: 1}, 2: {1: 1, 0: 1}}
    assert coarse.vwgt[:, 0].tolist() == [2, 2, 1]
    assert isinstance(coarse.adjncy, np.memmap)  # read back from the files


def test_coarse_edge_weights_sum_to_the_fine_weight_between_clusters(tmp_path, planted):
    ei, _ = planted
    g = graph_from_disk_csr(_csr(tmp_path, ei, 3000))
    cmap, nc = lp_cluster(g, max_weight=20, passes=3, seed=1)
    coarse = contract_to_disk(g, cmap, nc, str(tmp_path / "c"))
    src = np.repeat(np.arange(3000), np.diff(g.xadj))
    between = int((cmap[src] != cmap[np.asarray(g.adjncy)]).sum())
    assert int(np.asarray(coarse.adjwgt).sum()) == between > 0
    assert int(coarse.vwgt.sum()) == 3000 and coarse.vwgt.max() <= 20
    assert nc < 3000 / 4  # label propagation merged most vertices
    assert np.bincount(cmap, minlength=nc).max() <= 20


def test_label_propagation_refinement_lowers_the_cut_and_keeps_the_limit(planted):
    ei, blocks = planted
    g = build_csr(ei, 3000)
    rng = np.random.default_rng(0)
    part = blocks.copy()
    flip = rng.choice(3000, 600, replace=False)
    part[flip] = rng.integers(0, 6, 600)
    before = edge_cut(g, part)
    limit = np.full(6, int(1.03 * 3000 / 6))
    lp_refine(g, part, 6, limit, passes=4, seed=0)
    assert edge_cut(g, part) < 0.5 * before
    assert np.all(np.bincount(part, minlength=6) <= limit)


def test_tiny_budget_coarsens_on_several_levels_and_cuts_like_metis(tmp_path, planted):
    ei, blocks = planted
    csr = _csr(tmp_path, ei, 3000)
    lines = []
    part = out_of_core_partition(csr, 6, seed=0, memory_gb=0.3 / 1024, log=lines.append)
    levels = [line for line in lines if line.startswith("level") and "vertices" in line]
    assert len(levels) >= 2, lines
    assert part.shape == (3000,) and part.min() >= 0 and part.max() < 6
    assert np.bincount(part, minlength=6).max() <= int(1.03 * 3000 / 6)
    stream = partition_graph(ei, 3000, 6, method="stream").numpy()
    assert cut_edges(ei, part) <= 1.05 * cut_edges(ei, blocks) < cut_edges(ei, stream)
    assert np.array_equal(out_of_core_partition(csr, 6, seed=0, memory_gb=0.3 / 1024), part)
    assert not [f for f in os.listdir(tmp_path) if f.startswith(SCRATCH_PREFIX)]  # scratch removed


def test_a_level_that_barely_shrank_is_projected_through_at_the_same_cut(tmp_path, monkeypatch):
    """100k planted vertices, k=8: the first level merges 11 vertices a cluster but keeps ~86% of the
    entries (as a billion-edge graph's first level does); its refinement is skipped, not the cut."""
    from distgnn.partition import out_of_core

    n, k = 100_000, 8
    ei, blocks = planted_partition_edge_index(n, k, avg_degree=24, p_ratio=20, seed=3, return_blocks=True)
    ei = ei.numpy()
    csr = _csr(tmp_path, ei, n)
    g = graph_from_disk_csr(csr)
    lines = []
    part = out_of_core_partition(csr, k, seed=0, memory_gb=8 / 1024, log=lines.append)
    assert any(line.startswith("level 1: projected through") for line in lines), lines
    assert np.bincount(part, minlength=k).max() <= int(1.03 * n / k)
    monkeypatch.setattr(out_of_core, "REFINE_SHRINK", 1.01)  # refine every level
    every = out_of_core_partition(csr, k, seed=0, memory_gb=8 / 1024)
    stream = partition_graph(ei, n, k, method="stream").numpy()
    assert edge_cut(g, part) <= 1.01 * edge_cut(g, every)
    assert edge_cut(g, part) <= 1.05 * edge_cut(g, blocks.numpy()) < edge_cut(g, stream)


def test_skewed_graph_is_balanced_and_compare_stream_keeps_the_lower_cut(tmp_path):
    ei = rmat_edge_index(12, 12, seed=1).numpy()
    n = 1 << 12
    csr = _csr(tmp_path, ei, n)
    g = graph_from_disk_csr(csr)
    alone = partition(csr, None, 8, method="out_of_core", memory_gb=0.5 / 1024)
    assert alone.method == "out_of_core"
    assert np.bincount(alone.part.numpy(), minlength=8).max() <= int(1.03 * n / 8)
    stream = partition_graph(csr, None, 8, method="stream").numpy()
    kept = partition(csr, None, 8, method="out_of_core", memory_gb=0.5 / 1024, compare_stream=True)
    cuts = {"out_of_core": edge_cut(g, alone.part.numpy()), "stream": edge_cut(g, stream)}
    assert kept.method == min(cuts, key=cuts.get) and edge_cut(g, kept.part.numpy()) == min(cuts.values())


def test_budget_below_the_per_vertex_state_is_refused_before_any_work(tmp_path, planted):
    ei, _ = planted
    csr = _csr(tmp_path, ei, 3000)
    need = min_memory_bytes(3000) / 2**30
    with pytest.raises(ValueError, match=r"needs at least memory_gb=0\.000178814 \(0\.18 MB\) for its per-vertex "
                                         r"state on 3000 vertices, got memory_gb=8\.9407e-05 \(0\.09 MB\): raise "
                                         r"memory_gb or use method 'stream'"):
        out_of_core_partition(csr, 4, memory_gb=need / 2)
    assert sorted(os.listdir(tmp_path)) == ["csr"]


def test_in_memory_edges_and_auto_pick_out_of_core_when_kaminpar_does_not_fit(planted):
    ei, blocks = planted
    kept = partition(ei, 3000, 6, method="out_of_core", memory_gb=0.3 / 1024)
    assert kept.method == "out_of_core" and cut_edges(ei, kept.part.numpy()) <= 1.05 * cut_edges(ei, blocks)
    m = 1 << 31
    method, opts, why = choose_method(1 << 25, m, memory_gb=20.0, kaminpar_ok=True)
    assert method == "out_of_core" and opts == {"memory_gb": 20.0, "compare_stream": True}
    assert "KaMinPar terapart ~45.5 GB; out_of_core (coarsened on disk until the coarse graph fits) within 20.0 GB" in why
    assert choose_method(1 << 25, m, memory_gb=1.0, kaminpar_ok=True)[0] == "stream"  # 2 GB of state
    assert choose_method(1 << 22, 1 << 28, memory_gb=20.0, kaminpar_ok=True)[0] == "kaminpar"


def test_scratch_of_a_killed_run_is_removed_by_the_next(tmp_path, planted):
    ei, _ = planted
    csr = _csr(tmp_path, ei, 3000)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{SCRATCH_PREFIX}{dead.pid}-abc"
    (stale / "level1").mkdir(parents=True)
    mine = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-xyz"  # a live process's: kept
    mine.mkdir()
    out_of_core_partition(csr, 4, memory_gb=0.3 / 1024)
    assert not stale.exists() and mine.exists()
    assert remove_stale(str(tmp_path / SCRATCH_PREFIX)) == []


@pytest.mark.slow
def test_cli_killed_mid_coarsening_leaves_no_store_and_a_rerun_works(tmp_path):
    out = tmp_path / "g.zarr"
    cmd = [sys.executable, "-m", "distgnn.cli", "partition", "rmat:17", "-k", "8", "--out", str(out),
           "--method", "out_of_core", "--memory-gb", "0.05", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not [f for f in os.listdir(tmp_path) if f.startswith(SCRATCH_PREFIX)]:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    from distgnn.partition import open_store
    assert open_store(str(out)).meta["method"] == "out_of_core"
    assert not [f for f in os.listdir(tmp_path) if f.startswith(SCRATCH_PREFIX) or ".csr-" in f]
