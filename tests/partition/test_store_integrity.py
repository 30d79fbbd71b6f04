"""Format 2 stores: compact ids, checksummed chunks, cross-checked metadata, the CSR writer."""
import json
import os

import numpy as np
import pytest
import zarr

from distgnn.cli import main
from distgnn.partition import open_store, partition_graph, write_store
from distgnn.partition.reader import StoreCorruptError
from distgnn.partition.store import write_store_from_csr
from distgnn.partition.verify import verify_store


def _csr_graph(n=300, e=2000, seed=0):
    """A deduplicated edge list in CSR order (by target, then source) and its CSR arrays."""
    rng = np.random.default_rng(seed)
    ei = np.unique(rng.integers(0, n, (2, e)).T[:, ::-1], axis=0)[:, ::-1].T  # sorted by (dst, src)
    ei = np.ascontiguousarray(ei)
    rowptr = np.concatenate([[0], np.cumsum(np.bincount(ei[1], minlength=n))]).astype(np.int64)
    return ei, n, rowptr, ei[0].astype(np.int32)


class _CSR:
    def __init__(self, n, rowptr, col):
        self.num_nodes, self.rowptr, self.col = n, rowptr, col


def _store(tmp_path, name="g.zarr", **kw):
    ei, n, _, _ = _csr_graph()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    path = tmp_path / name
    write_store(path, ei, n, partition_graph(ei, n, 3, method="random"), x=x,
                y=rng.integers(0, 5, n), masks={"train": rng.random(n) < 0.5}, **kw)
    return str(path)


def test_compact_ids_and_store_order_edge_ids(tmp_path):
    s = open_store(_store(tmp_path))
    assert s.meta["id_dtype"] == "int32" and s.meta["edge_ids"] == "store_order"
    g = zarr.open_group(s.path, mode="r")
    assert g["parts/0/col"].dtype == np.int32 and g["book/orig_ids"].dtype == np.int32
    assert "edge_ids" not in g["parts/0"]
    ids = np.concatenate([s.part(p).edge_ids for p in range(s.num_parts)])
    assert np.array_equal(ids, np.arange(s.num_edges))


@pytest.mark.parametrize("keep", [False, True])
def test_csr_writer_equals_edge_list_writer(tmp_path, keep):
    ei, n, rowptr, col = _csr_graph()
    part = partition_graph(ei, n, 4, method="random", seed=1).numpy()
    y = np.arange(n) % 7
    write_store(tmp_path / "a.zarr", ei, n, part, y=y, keep_edge_ids=keep)
    np.save(tmp_path / "rowptr.npy", rowptr)
    np.save(tmp_path / "col.npy", col)
    mm = _CSR(n, np.load(tmp_path / "rowptr.npy", mmap_mode="r"), np.load(tmp_path / "col.npy", mmap_mode="r"))
    write_store_from_csr(tmp_path / "b.zarr", mm, part, y=y, keep_edge_ids=keep)
    a = zarr.open_group(str(tmp_path / "a.zarr"), mode="r")
    b = zarr.open_group(str(tmp_path / "b.zarr"), mode="r")

    def arrays(g, prefix=""):
        out = {prefix + k: v[...] for k, v in g.arrays()}
        for k, sub in g.groups():
            out.update(arrays(sub, f"{prefix}{k}/"))
        return out

    aa, bb = arrays(a["book"], "book/"), arrays(b["book"], "book/")
    aa.update(arrays(a["parts"], "parts/"))
    bb.update(arrays(b["parts"], "parts/"))
    assert sorted(aa) == sorted(bb)
    for name in aa:
        assert aa[name].dtype == bb[name].dtype and np.array_equal(aa[name], bb[name]), name
    ma, mb = dict(a.attrs)["distgnn"], dict(b.attrs)["distgnn"]
    assert ma == mb


def test_missing_chunk_is_an_error_not_zeros(tmp_path, capsys):
    path = _store(tmp_path)
    os.remove(os.path.join(path, "parts", "1", "col", "c", "0"))
    s = open_store(path)
    s.part(0)
    with pytest.raises(StoreCorruptError, match="parts/1/col: expected 1 chunks, found 0"):
        s.part(1)
    assert main(["inspect", path, "--verify"]) == 1
    out = capsys.readouterr().out
    assert "DAMAGED  parts/1/col" in out and "1 problem(s)" in out


def test_flipped_byte_fails_its_checksum(tmp_path, capsys):
    path = _store(tmp_path)
    chunk = os.path.join(path, "parts", "2", "x", "c", "0", "0")
    data = bytearray(open(chunk, "rb").read())
    data[len(data) // 2] ^= 0x10
    open(chunk, "wb").write(bytes(data))
    with pytest.raises(StoreCorruptError, match="parts/2/x: a chunk fails its crc32c checksum"):
        open_store(path).part(2).x
    report = verify_store(path)
    assert not report.ok and len(report.problems) == 1
    assert main(["inspect", _store(tmp_path, "ok.zarr"), "--verify"]) == 0
    assert "0 problem" not in capsys.readouterr().out


def _patch_meta(path, **changes):
    zj = os.path.join(path, "zarr.json")
    doc = json.load(open(zj))
    doc["attributes"]["distgnn"].update(changes)
    json.dump(doc, open(zj, "w"))


@pytest.mark.parametrize("change, message", [
    ({"num_parts": 4}, "num_parts=4, but the store holds 3 part groups"),
    ({"num_nodes": 301}, "node_ranges must rise from 0 to num_nodes=301"),
    ({"num_edges": 5}, "num_edges=5, the parts hold"),
])
def test_changed_metadata_is_noticed_at_open(tmp_path, change, message):
    path = _store(tmp_path)
    _patch_meta(path, **change)
    with pytest.raises(StoreCorruptError, match=message):
        open_store(path)


def test_metadata_missing_a_key(tmp_path):
    path = _store(tmp_path)
    zj = os.path.join(path, "zarr.json")
    doc = json.load(open(zj))
    del doc["attributes"]["distgnn"]["num_parts"]
    json.dump(doc, open(zj, "w"))
    with pytest.raises(StoreCorruptError, match=r"lacks \['num_parts'\]"):
        open_store(path)


@pytest.mark.parametrize("bad", [-1, 10 ** 12])
def test_labels_outside_class_range_are_refused(tmp_path, bad):
    ei, n, _, _ = _csr_graph()
    y = np.zeros(n, np.int64)
    y[7] = bad
    with pytest.raises(ValueError, match=rf"labels must be class indices in \[0, 2\*\*31\), got {bad} \(node 7\)"):
        write_store(tmp_path / "g.zarr", ei, n, np.zeros(n, np.int64), y=y)
    assert not os.listdir(tmp_path)


def test_format_1_stores_still_open(tmp_path):
    path = _store(tmp_path)
    _patch_meta(path, format_version=1)
    assert open_store(path).part(0).col.shape[0] > 0
    _patch_meta(path, format_version=99)
    with pytest.raises(ValueError, match=r"format_version in \[1, 2\].*got 99"):
        open_store(path)
