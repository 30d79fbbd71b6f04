import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
import zarr

from distgnn.partition import FORMAT_VERSION, build_disk_csr, open_store, partition_graph, write_store


def _graph(n=400, e=2500, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, (2, e)).astype(np.int64), n


def _check_round_trip(s, ei, n, x=None, y=None, masks=None):
    assert s.num_nodes == n and s.num_edges == ei.shape[1]
    r = s.node_ranges
    assert r[0] == 0 and r[-1] == n and np.all(np.diff(r) >= 0)
    assert np.array_equal(s.to_new(s.orig_ids), np.arange(n))
    seen = np.zeros(ei.shape[1], bool)
    for p in range(s.num_parts):
        sh = s.part(p)
        assert sh is s.part(p)
        rows = np.repeat(np.arange(r[p], r[p + 1]), np.diff(sh.rowptr))
        assert np.array_equal(ei[0, sh.edge_ids], s.orig_ids[sh.col])
        assert np.array_equal(ei[1, sh.edge_ids], s.orig_ids[rows])
        assert np.all(s.part_of(rows) == p)
        out = sh.col[(sh.col < r[p]) | (sh.col >= r[p + 1])]
        assert np.array_equal(sh.halo_ids, np.unique(out))
        seen[sh.edge_ids] = True
        own = s.orig_ids[r[p]:r[p + 1]]
        if x is not None:
            assert sh.x.dtype == np.float32 and np.allclose(sh.x, x[own])
        if y is not None:
            assert sh.y.dtype == np.int64 and np.array_equal(sh.y, y[own])
        for name, m in (masks or {}).items():
            assert np.array_equal(sh.masks[name], m[own])
    assert seen.all()


def test_round_trip(tmp_path):
    ei, n = _graph()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = rng.integers(0, 3, n)
    masks = {"train": rng.random(n) < 0.3, "val": rng.random(n) < 0.2}
    part = partition_graph(ei, n, 4, method="metis")
    write_store(tmp_path / "g.zarr", torch.from_numpy(ei), n, part, x=torch.from_numpy(x), y=y,
                masks=masks, method="metis", seed=0, keep_edge_ids=True)
    s = open_store(tmp_path / "g.zarr")
    assert s.num_parts == 4 and s.num_features == 5 and s.num_classes == 3
    assert s.meta["method"] == "metis" and s.meta["format_version"] == FORMAT_VERSION == 2
    cut = int((part.numpy()[ei[0]] != part.numpy()[ei[1]]).sum())
    assert s.meta["edge_cut"] == cut
    assert np.array_equal(s.part_of(s.to_new(np.arange(n))), part.numpy())
    _check_round_trip(s, ei, n, x, y, masks)
    assert s.part_weights.shape == (4, 3)  # nodes, edges, train
    # a plain zarr client opens it
    g = zarr.open_group(str(tmp_path / "g.zarr"), mode="r")
    assert g["parts/0/rowptr"].shape[0] == s.node_ranges[1] - s.node_ranges[0] + 1


def test_reading_interface_reads_what_the_cached_arrays_hold(tmp_path):
    ei, n = _graph()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    write_store(tmp_path / "g.zarr", torch.from_numpy(ei), n, partition_graph(ei, n, 3),
                x=torch.from_numpy(x), masks={"train": rng.random(n) < 0.3})
    s = open_store(tmp_path / "g.zarr")
    sh = s.part(1)
    assert sh.array_names() == ["col", "halo_ids", "rowptr", "x", "masks/train"]
    assert sh.has("x") and not sh.has("edge_ids") and not sh.has("y")
    assert sh.shape("x") == (sh.num_nodes, 5) and sh.dtype("x") == np.float32
    assert np.array_equal(sh.read("col", slice(3, 9)), sh.col[3:9])
    assert np.array_equal(sh.read("masks/train"), sh.masks["train"])
    assert np.array_equal(np.concatenate(list(sh.blocks("x"))), sh.x)
    assert np.array_equal(s.read_book("orig_ids", slice(10, 20)), s.orig_ids[10:20])
    with pytest.raises(KeyError, match=r"parts/1 holds no array 'y' \(it holds \['col'"):
        sh.read("y")
    with pytest.raises(KeyError, match="expected a book array, one of orig_ids, .* got 'meta'"):
        s.read_book("meta")


def test_in_memory_edges_equal_their_on_disk_csr(tmp_path):
    from distgnn.partition.store import write_store_from_csr
    ei, n = _graph()
    part = partition_graph(ei, n, 3, method="random")
    write_store(tmp_path / "a.zarr", ei, n, part, keep_edge_ids=True)
    chunks = [ei[:, i:i + 300] for i in range(0, ei.shape[1], 300)]
    csr = build_disk_csr(chunks, n, tmp_path / "csr", symmetrize=False, remove_self_loops=False,
                         remove_duplicates=False)
    write_store_from_csr(tmp_path / "b.zarr", csr, part)
    a, b = open_store(tmp_path / "a.zarr"), open_store(tmp_path / "b.zarr")
    for p in range(3):
        for name in ("rowptr", "col", "halo_ids"):
            assert np.array_equal(getattr(a.part(p), name), getattr(b.part(p), name))
    _check_round_trip(a, ei, n)


def test_refuses_existing_then_overwrites(tmp_path):
    ei, n = _graph()
    path = tmp_path / "g.zarr"
    write_store(path, ei, n, np.zeros(n, np.int64), method="random")
    with pytest.raises(FileExistsError, match="must not exist"):
        write_store(path, ei, n, np.zeros(n, np.int64))
    write_store(path, ei, n, partition_graph(ei, n, 2, method="random"), overwrite=True, method="random")
    assert open_store(path).num_parts == 2
    assert sorted(os.listdir(tmp_path)) == ["g.zarr"]


def test_overwrite_refuses_non_store(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "keep.txt").write_text("x")
    ei, n = _graph()
    with pytest.raises(FileExistsError, match="non-store"):
        write_store(tmp_path / "data", ei, n, np.zeros(n, np.int64), overwrite=True)
    assert (tmp_path / "data" / "keep.txt").exists()


def test_failure_midway_leaves_nothing_and_keeps_old(tmp_path):
    ei, n = _graph()
    path = tmp_path / "g.zarr"
    write_store(path, ei, n, np.zeros(n, np.int64), method="random")

    from distgnn.partition.store import edge_list_csr, write_store_from_csr

    def progress(entries):
        raise OSError("disk full")  # after the first chunk of rows, mid-write

    with pytest.raises(OSError, match="disk full"):
        write_store_from_csr(path, edge_list_csr(ei, n), np.zeros(n, np.int64), overwrite=True,
                             progress=progress, chunk_edges=100)
    assert sorted(os.listdir(tmp_path)) == ["g.zarr"]
    assert open_store(path).num_edges == ei.shape[1]


def test_open_refuses_incomplete(tmp_path):
    g = zarr.open_group(str(tmp_path / "half.zarr"), mode="w")
    g.create_group("book")
    with pytest.raises(ValueError, match="incomplete"):
        open_store(tmp_path / "half.zarr")
    with pytest.raises(FileNotFoundError):
        open_store(tmp_path / "missing.zarr")


CHILD = """
import sys, time, numpy as np
from distgnn.partition.store import edge_list_csr, write_store_from_csr
n = 20000
ei = np.random.default_rng(0).integers(0, n, (2, 400000))

def progress(entries):  # mid-write: say so, then wait to be killed
    open(sys.argv[1] + ".midway", "w").close()
    time.sleep(120)

write_store_from_csr(sys.argv[1], edge_list_csr(ei, n), np.arange(n) % 8, progress=progress, chunk_edges=1000)
"""


@pytest.mark.slow
def test_killed_writer_leaves_no_valid_store(tmp_path):
    path = tmp_path / "g.zarr"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)])
    deadline = time.time() + 120
    while time.time() < deadline and not (tmp_path / "g.zarr.midway").exists():
        time.sleep(0.05)
    assert (tmp_path / "g.zarr.midway").exists(), "the writer never reached its first chunk"
    proc.kill()
    proc.wait()
    assert not path.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith("g.zarr.tmp-")]
    assert leftovers
    with pytest.raises(ValueError, match="incomplete"):
        open_store(leftovers[0])
