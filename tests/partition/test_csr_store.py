"""The one-pass CSR store writer: the store of the edge-list writer, whatever the chunk size."""
import numpy as np
import pytest
import zarr

from distgnn.partition import write_store
from distgnn.partition.csr_parts import halo_from_bitmap, new_bitmap, route_rows
from distgnn.partition.disk_csr import build_disk_csr
from distgnn.partition.store import write_store_from_csr


def _arrays(path):
    g = zarr.open_group(str(path), mode="r")
    out = {}

    def walk(grp, prefix):
        for name, arr in grp.arrays():
            out[prefix + name] = (arr.dtype, arr.chunks, arr[...])
        for name, sub in grp.groups():
            walk(sub, f"{prefix}{name}/")

    walk(g, "")
    return out, dict(g.attrs)["distgnn"]


def _graph(n, e, seed, hub=True):
    """Random edges plus a hub row longer than the insertion-sort limit, with duplicates."""
    rng = np.random.default_rng(seed)
    ei = rng.integers(0, n, (2, e))
    if hub:
        extra = np.stack([rng.integers(0, n, 120), np.zeros(120, np.int64)])  # node 0: ~120 in-edges
        ei = np.concatenate([ei, extra, extra[:, :10]], axis=1)  # and 10 duplicates
    return ei


def _csr_edges(csr):
    """The CSR's entries as an edge list in CSR order (col -> row)."""
    rows = np.repeat(np.arange(csr.num_nodes), np.diff(csr.rowptr))
    return np.stack([np.asarray(csr.col, np.int64), rows])


@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("dedup", [True, False])
def test_every_chunk_size_gives_the_edge_list_store(tmp_path, keep, dedup):
    n = 500
    ei = _graph(n, 3000, 0)
    csr = build_disk_csr([ei], n, tmp_path / "csr", remove_duplicates=dedup, bucket_bytes=4096)
    rng = np.random.default_rng(1)
    part = rng.integers(0, 5, n)
    part[part == 3] = 4  # an empty part
    y = np.arange(n) % 3
    x = rng.normal(size=(n, 3)).astype(np.float32)
    write_store(tmp_path / "ref.zarr", _csr_edges(csr), n, part, x=x, y=y, keep_edge_ids=keep)
    ref, ref_meta = _arrays(tmp_path / "ref.zarr")
    for chunk in (1, 7, 64, 1 << 22):
        out = tmp_path / f"c{chunk}.zarr"
        write_store_from_csr(out, csr, part, x=x, y=y, keep_edge_ids=keep, chunk_edges=chunk)
        got, meta = _arrays(out)
        assert sorted(got) == sorted(ref) and meta == ref_meta
        for name, (dt, ch, val) in ref.items():
            assert got[name][0] == dt and got[name][1] == ch and np.array_equal(got[name][2], val), (chunk, name)


def test_stored_chunks_are_the_same_bytes(tmp_path, monkeypatch):
    import distgnn.partition._zarr as zmod

    monkeypatch.setattr(zmod, "CHUNK_ELEMS", 50)  # many chunks per part, the last one partial
    n = 300
    csr = build_disk_csr([_graph(n, 2000, 2)], n, tmp_path / "csr")
    part = np.arange(n) % 3
    write_store(tmp_path / "a.zarr", _csr_edges(csr), n, part)
    write_store_from_csr(tmp_path / "b.zarr", csr, part, chunk_edges=13)
    for p in range(3):
        for name in ("col", "rowptr", "halo_ids"):
            da, db = tmp_path / "a.zarr" / "parts" / str(p) / name, tmp_path / "b.zarr" / "parts" / str(p) / name
            fa = sorted(f.relative_to(da) for f in da.rglob("*") if f.is_file())
            assert fa == sorted(f.relative_to(db) for f in db.rglob("*") if f.is_file()) and len(fa) > 2
            for f in fa:
                assert (da / f).read_bytes() == (db / f).read_bytes(), (p, name, f)


def test_route_rows_by_hand():
    # rows 0..3 (original ids), parts [1, 0, 1, 0]; new ids: part 0 = {1, 3} -> 0, 1; part 1 = {0, 2} -> 2, 3
    rowptr = np.array([0, 2, 3, 3, 6])
    col = np.array([3, 1, 0, 2, 1, 0], np.int32)
    assign = np.array([1, 0, 1, 0], np.int32)
    new_of = np.array([2, 0, 3, 1], np.int32)
    ranges = np.array([0, 2, 4])
    bm = new_bitmap(2, 4)
    c, e, off, cut = route_rows(rowptr, col, 0, assign, new_of, ranges, bm, np.dtype(np.int32), True)
    # part 0: row 1 -> [new 2], row 3 -> [new 3, 0, 2] sorted [0, 2, 3]; part 1: row 0 -> [1, 0] sorted [0, 1]
    assert off.tolist() == [0, 4, 6]
    assert c.tolist() == [2, 0, 2, 3, 0, 1] and e.tolist() == [2, 4, 5, 3, 1, 0]
    assert cut.tolist() == [3, 2]
    assert halo_from_bitmap(bm[0], 4).tolist() == [2, 3] and halo_from_bitmap(bm[1], 4).tolist() == [0, 1]


def test_bad_chunk_size_is_refused(tmp_path):
    csr = build_disk_csr([_graph(50, 100, 3, hub=False)], 50, tmp_path / "csr")
    with pytest.raises(ValueError, match="chunk_edges must be an int >= 1, got 0"):
        write_store_from_csr(tmp_path / "s.zarr", csr, np.zeros(50, np.int64), chunk_edges=0)
    assert not (tmp_path / "s.zarr").exists()
