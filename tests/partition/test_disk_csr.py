import errno
import os
import signal
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from distgnn.partition import bucket_spill
from distgnn.partition._validate import id_dtype
from distgnn.partition.disk_csr import DiskCSR, build_disk_csr, csr_from_edges
from distgnn.partition.ingest import read_edges, write_edge_parquet


def _graph(n=500, m=6000, seed=0):
    rng = np.random.default_rng(seed)
    ei = rng.integers(0, n, (2, m))
    ei[:, :50] = ei[0, :50]  # self loops
    ei[:, 50:100] = ei[:, 100:150]  # duplicates
    return ei, n


def _chunks(ei, size):
    return [ei[:, a:a + size] for a in range(0, ei.shape[1], size)]


def _leftovers(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


@pytest.mark.parametrize("sym, dedup, loops", [(True, True, True), (False, True, True), (True, False, True),
                                                (True, True, False), (False, False, False)])
def test_out_of_core_equals_in_memory(tmp_path, sym, dedup, loops):
    ei, n = _graph()
    rowptr, col = csr_from_edges(ei, n, symmetrize=sym, remove_duplicates=dedup, remove_self_loops=loops)
    for size, bucket in ((97, 2000), (6000, 1 << 20)):
        out = tmp_path / f"c{size}"
        c = build_disk_csr(_chunks(ei, size), n, out, symmetrize=sym, remove_duplicates=dedup,
                           remove_self_loops=loops, bucket_bytes=bucket, num_edges_hint=ei.shape[1])
        assert c.meta["buckets"] > (10 if bucket == 2000 else 0)
        assert np.array_equal(c.rowptr, rowptr) and np.array_equal(c.col, col) and c.col.dtype == np.int32
        assert c.num_nodes == n and c.num_edges == col.shape[0]
        assert c.meta["symmetrized"] == sym and c.meta["deduplicated"] == dedup
        assert c.meta["self_loops_removed"] == loops
        again = DiskCSR.open(out)
        assert isinstance(again.col, np.memmap) and np.array_equal(again.degree(), np.diff(rowptr))
    assert _leftovers(tmp_path) == []


def test_hand_computed_csr(tmp_path):
    ei = np.array([[0, 1, 2, 2, 3, 1], [1, 2, 0, 2, 0, 2]])
    c = build_disk_csr([ei], 5, tmp_path / "c")
    # undirected pairs {0,1} {1,2} {0,2} {0,3}; node 4 isolated
    assert c.rowptr.tolist() == [0, 3, 5, 7, 8, 8]
    assert c.col.tolist() == [1, 2, 3, 0, 2, 0, 1, 0]
    d = build_disk_csr([ei], 5, tmp_path / "d", symmetrize=False)
    assert d.rowptr.tolist() == [0, 2, 3, 4, 4, 4] and d.col.tolist() == [2, 3, 0, 1]
    chunks = list(c.edge_chunks(3))
    assert np.concatenate(chunks, axis=1).tolist() == [[1, 2, 3, 0, 2, 0, 1, 0], [0, 0, 0, 1, 1, 2, 2, 3]]
    by_src = np.concatenate(list(c.edge_chunks(100, by_source=True)), axis=1)
    assert by_src.tolist() == [[0, 0, 0, 1, 1, 2, 2, 3], [1, 2, 3, 0, 2, 0, 1, 0]]


@pytest.mark.parametrize("fmt", ["parquet", "arrow", "csv", "npy"])
def test_from_files_in_chunks(tmp_path, fmt):
    ei, n = _graph(300, 2000, seed=1)
    p = tmp_path / f"e.{fmt}"
    if fmt == "parquet":
        write_edge_parquet(_chunks(ei, 500), p, n, row_group_rows=300)
    elif fmt == "arrow":
        feather.write_feather(pa.table({"src": ei[0], "dst": ei[1]}), p, chunksize=250)
    elif fmt == "csv":
        p.write_text("src,dst\n" + "\n".join(f"{a},{b}" for a, b in ei.T) + "\n")
    else:
        np.save(p, ei)
    c = build_disk_csr(read_edges(p, chunk_rows=123), n, tmp_path / "c", bucket_bytes=3000)
    rowptr, col = csr_from_edges(ei, n)
    assert np.array_equal(c.rowptr, rowptr) and np.array_equal(c.col, col)


def test_int32_int64_boundary():
    assert id_dtype(2**31 - 1) == np.int32 and id_dtype(2**31) == np.int64
    # ids just below and above 2**31, by offset: the kernels keep them exact in int64
    base = 2**31 - 3
    dst = np.array([base + 5, base, base + 5, base + 2, base + 5], np.int64)
    src = np.array([base + 4, base + 1, 2**31 + 7, 7, base + 4], np.int64)
    od, osrc, off = bucket_spill.scatter_by_bucket(dst, src, np.int64(2**30), 3)
    assert off.tolist() == [0, 0, 2, 5]
    assert sorted(zip(od.tolist(), osrc.tolist())) == sorted(zip(dst.tolist(), src.tolist()))
    lens, cols = bucket_spill.bucket_rows(od, osrc, np.int64(base), 6, True)
    assert lens.tolist() == [1, 0, 1, 0, 0, 2] and cols.tolist() == [base + 1, 7, base + 4, 2**31 + 7]


def test_int64_ids_give_the_same_csr(tmp_path):
    ei, n = _graph(200, 1500)
    a = build_disk_csr(_chunks(ei, 100), n, tmp_path / "a", bucket_bytes=2000)
    b = build_disk_csr(_chunks(ei, 100), n, tmp_path / "b", bucket_bytes=2000, id_dtype=np.int64)
    assert b.col.dtype == np.int64 and b.meta["id_dtype"] == "int64"
    assert np.array_equal(a.col, b.col) and np.array_equal(a.rowptr, b.rowptr)
    with pytest.raises(ValueError, match="id_dtype"):
        build_disk_csr([ei], 2**31, tmp_path / "x", id_dtype=np.int32)


def test_ids_beyond_num_nodes(tmp_path):
    ei, n = _graph(100, 1000)
    ei[1, 700] = 150
    with pytest.raises(ValueError, match=r"\[0, num_nodes=100\), got 150 in edges 700..799 of e.parquet"):
        build_disk_csr(_chunks(ei, 100), n, tmp_path / "c", bucket_bytes=2000, source="e.parquet")
    assert not (tmp_path / "c").exists() and _leftovers(tmp_path) == []
    with pytest.raises(TypeError, match="integer ids, got dtype float64"):
        build_disk_csr([ei.astype(float)], n, tmp_path / "c")


def test_malformed_parquet_row_group_mid_file(tmp_path):
    ei, n = _graph(1000, 40000, seed=3)
    p = tmp_path / "e.parquet"
    write_edge_parquet(_chunks(ei, 5000), p, n, row_group_rows=5000)
    meta = pq.ParquetFile(p).metadata
    rg = meta.row_group(4).column(0)
    raw = bytearray(p.read_bytes())
    at = rg.data_page_offset + rg.total_compressed_size // 2
    raw[at:at + 64] = bytes(64)
    p.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"expected a readable parquet edge list, got an error reading .* after 20000 edges"):
        build_disk_csr(read_edges(p, chunk_rows=5000), n, tmp_path / "c", bucket_bytes=4000)
    assert not (tmp_path / "c").exists() and _leftovers(tmp_path) == []
    p.write_bytes(bytes(raw[: len(raw) // 2]))  # truncated: the footer is gone
    with pytest.raises(ValueError, match="readable parquet"):
        build_disk_csr(read_edges(p), n, tmp_path / "c")
    assert not (tmp_path / "c").exists() and _leftovers(tmp_path) == []


def test_full_disk_while_spilling(tmp_path, monkeypatch):
    ei, n = _graph()
    calls = []

    def failing(f, arr):
        calls.append(arr.nbytes)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        arr.tofile(f)

    monkeypatch.setattr(bucket_spill, "_spill_write", failing)
    with pytest.raises(OSError, match=r"could not spill edge buckets .* expected to write \d+ bytes.*disk full"):
        build_disk_csr(_chunks(ei, 50), n, tmp_path / "c", bucket_bytes=2000)
    assert not (tmp_path / "c").exists() and _leftovers(tmp_path) == []
    monkeypatch.undo()
    c = build_disk_csr(_chunks(ei, 50), n, tmp_path / "c", bucket_bytes=2000)  # a rerun works
    assert np.array_equal(c.col, csr_from_edges(ei, n)[1])


def test_existing_target_and_overwrite(tmp_path):
    ei, n = _graph(50, 200)
    build_disk_csr([ei], n, tmp_path / "c")
    with pytest.raises(ValueError, match="must not exist"):
        build_disk_csr([ei], n, tmp_path / "c")
    c = build_disk_csr([ei[:, :10]], n, tmp_path / "c", overwrite=True)
    assert c.meta["input_edges"] == 10
    (tmp_path / "mine").mkdir()
    with pytest.raises(ValueError, match="expected an on-disk CSR directory"):
        DiskCSR.open(tmp_path / "mine")
    with pytest.raises(ValueError, match="refusing to replace"):
        build_disk_csr([ei], n, tmp_path / "mine", overwrite=True)
    assert (tmp_path / "mine").is_dir() and _leftovers(tmp_path) == []


KILLED = r"""
import sys, time, numpy as np
from distgnn.partition.disk_csr import build_disk_csr
def chunks():
    rng = np.random.default_rng(0)
    for i in range(1000):
        yield rng.integers(0, 100, (2, 100))
        if i == 5:
            print("spilling", flush=True)
            time.sleep(60)
build_disk_csr(chunks(), 100, sys.argv[1], bucket_bytes=1000)
"""


def test_killed_run_leaves_nothing_valid_and_rerun_works(tmp_path):
    out = tmp_path / "c"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(out)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "spilling"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = _leftovers(tmp_path)
    assert len(left) == 1 and not out.exists()
    with pytest.raises(ValueError, match="no meta.json"):
        DiskCSR.open(tmp_path / left[0])
    with pytest.raises(ValueError, match="no such directory"):
        DiskCSR.open(out)
    ei, n = _graph(100, 500)
    c = build_disk_csr([ei], n, out)
    assert c.num_edges > 0 and _leftovers(tmp_path) == []  # the dead run's scratch is gone


def test_a_bucket_above_the_budget_is_sorted_in_row_ranges(tmp_path):
    rng = np.random.default_rng(4)
    n = 400
    ei = rng.integers(0, n, (2, 8000))
    ei[1, :6000] = rng.integers(0, 8, 6000)  # most edges end at a few low ids (hubs): one heavy bucket
    rowptr, col = csr_from_edges(ei, n, symmetrize=False)
    c = build_disk_csr(_chunks(ei, 300), n, tmp_path / "c", symmetrize=False, bucket_bytes=24 * 500,
                       num_edges_hint=8000)
    assert np.array_equal(c.rowptr, rowptr) and np.array_equal(c.col, col)
    lo, hi = bucket_spill.row_ranges(0, 25, 6000, 500)[0]
    assert (lo, hi) == (0, 2)
