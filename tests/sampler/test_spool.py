"""Shard servers serve from memory-mapped scratch files: same answers, bounded own memory."""
import gc
import json
import os

import numpy as np
import pytest

from distgnn.ownership import MARKER
from distgnn.partition import open_store, write_store
from distgnn.sampler.server import ShardServer
from distgnn.sampler.spool import SPOOL_KIND, remove_stale_spools


def _store(path, n, e, f, seed=0, keep_edge_ids=False):
    rng = np.random.default_rng(seed)
    ei = rng.integers(0, n, (2, e))
    x = rng.normal(size=(n, f)).astype(np.float32)
    part = rng.integers(0, 4, n)
    write_store(path, ei, n, part, x=x, y=rng.integers(0, 3, n), method="random",
                keep_edge_ids=keep_edge_ids)
    return open_store(path), ei, x


def _rss_anon_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no RssAnon in /proc/self/status")


@pytest.mark.parametrize("keep", [False, True])
def test_spooled_server_answers_like_the_store(tmp_path, monkeypatch, keep):
    monkeypatch.setenv("DISTGNN_SCRATCH", str(tmp_path))
    store, ei, x = _store(tmp_path / "g.zarr", 500, 3000, 6, keep_edge_ids=keep)
    server = ShardServer(store.path, [1, 3])
    ids = np.concatenate([np.arange(store.node_ranges[p], store.node_ranges[p + 1]) for p in (1, 3)])
    assert np.array_equal(server.fetch("x", ids), x[store.orig_ids[ids]])
    a = server._open()
    expect_col = np.concatenate([store.part(p).col for p in (1, 3)])
    expect_eid = np.concatenate([store.part(p).edge_ids for p in (1, 3)])
    eid = a.eid.take(np.arange(expect_eid.shape[0]))
    assert np.array_equal(a.col, expect_col) and np.array_equal(eid, expect_eid)
    assert a.col.dtype == np.int32  # the store's ids, not widened
    spools = [d for d in os.listdir(tmp_path) if d.startswith("distgnn-spool-")]
    assert len(spools) == 1
    # edge ids are spooled only where the store keeps them, else numbered by their place
    files = sorted(f for f in os.listdir(tmp_path / spools[0]) if f.endswith(".npy"))
    assert files == (["col.npy", "eid.npy", "x.npy"] if keep else ["col.npy", "x.npy"])
    pos = np.array([0, 5, expect_eid.shape[0] - 1, 700, 3])
    assert np.array_equal(a.eid[pos], expect_eid[pos])
    server.close()
    assert not [d for d in os.listdir(tmp_path) if d.startswith("distgnn-spool-")]
    assert np.array_equal(server.fetch("x", ids[:5]), x[store.orig_ids[ids[:5]]])  # reopens
    del server
    gc.collect()
    assert not [d for d in os.listdir(tmp_path) if d.startswith("distgnn-spool-")]


def test_stale_spools_of_dead_servers_are_removed(tmp_path):
    dead, alive, foreign = (tmp_path / f"distgnn-spool-{k}" for k in ("dead", "alive", "foreign"))
    for d, pid in ((dead, 999999999), (alive, os.getpid())):
        d.mkdir()
        (d / MARKER).write_text(json.dumps({"kind": SPOOL_KIND, "pid": pid}))
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    remove_stale_spools(str(tmp_path))
    assert not dead.exists() and alive.exists() and (foreign / "keep.txt").exists()


@pytest.mark.slow
def test_server_memory_does_not_grow_with_its_parts(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTGNN_SCRATCH", str(tmp_path))
    store, _, x = _store(tmp_path / "big.zarr", 200_000, 1_000_000, 128)  # x alone: 102 MB
    del x
    gc.collect()
    before = _rss_anon_mb()
    server = ShardServer(store.path)
    rng = np.random.default_rng(1)
    for _ in range(20):
        ids = rng.integers(0, store.num_nodes, 4096)
        server.fetch("x", ids)
        server.sample(ids[:512], 10, False, 0, 0)
    grown = _rss_anon_mb() - before
    assert grown < 40, f"server's own memory grew by {grown:.0f} MB serving 110 MB of parts"
    server.close()


def test_half_precision_features_are_served_as_float32(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTGNN_SCRATCH", str(tmp_path))
    rng = np.random.default_rng(0)
    ei = rng.integers(0, 50, (2, 200))
    x = rng.normal(size=(50, 3)).astype(np.float32)
    write_store(tmp_path / "h.zarr", ei, 50, np.zeros(50, np.int64), x=x, x_dtype="float16")
    store = open_store(tmp_path / "h.zarr")
    got = ShardServer(store.path).fetch("x", np.arange(50))
    assert got.dtype == np.float32
    assert np.array_equal(got, x[store.orig_ids].astype(np.float16).astype(np.float32))
