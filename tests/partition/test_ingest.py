import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from distgnn.partition.ingest import clean_edges, load_edge_index, read_edges, read_node_array

EI = np.array([[0, 1, 2, 3, 3], [1, 2, 3, 0, 3]], dtype=np.int64)


def _write(tmp_path, fmt):
    t = pa.table({"src": EI[0], "dst": EI[1]})
    p = tmp_path / f"e.{fmt}"
    if fmt == "parquet":
        pq.write_table(t, p)
    elif fmt == "arrow":
        feather.write_feather(t, p)
    elif fmt == "csv":
        p.write_text("src,dst\n" + "\n".join(f"{a},{b}" for a, b in EI.T) + "\n")
    elif fmt == "txt":
        p.write_text("\n".join(f"{a} {b}" for a, b in EI.T) + "\n")
    else:
        np.save(p, EI.T)
    return p


@pytest.mark.parametrize("fmt", ["parquet", "arrow", "csv", "txt", "npy"])
def test_formats(tmp_path, fmt):
    ei, n = load_edge_index(_write(tmp_path, fmt))
    assert np.array_equal(ei, EI) and n == 4


def test_chunks(tmp_path):
    p = tmp_path / "e.parquet"
    pq.write_table(pa.table({"src": np.arange(100), "dst": np.arange(100)[::-1]}), p)
    chunks = list(read_edges(p, chunk_rows=30))
    assert [c.shape[1] for c in chunks] == [30, 30, 30, 10]


def test_clean():
    out = clean_edges(EI, 4)
    assert (out[0] != out[1]).all()
    pairs = set(map(tuple, out.T))
    assert all((b, a) in pairs for a, b in pairs) and len(pairs) == out.shape[1] == 8


@pytest.mark.parametrize("content, exc, words", [
    ("src,dst\n0,1\n2\n", ValueError, "readable csv"),          # ragged
    ("src,dst\n0,1\n2,x\n", TypeError, "integers"),              # non-integer
    ("src,dst\n0,1.5\n", TypeError, "integers"),
    ("src,dst\n0,-3\n", ValueError, ">= 0"),
])
def test_bad_csv(tmp_path, content, exc, words):
    p = tmp_path / "e.csv"
    p.write_text(content)
    with pytest.raises(exc) as info:
        load_edge_index(p)
    assert words in str(info.value)


def test_truncated_and_missing(tmp_path):
    p = tmp_path / "e.parquet"
    pq.write_table(pa.table({"src": np.arange(1000), "dst": np.arange(1000)}), p)
    data = p.read_bytes()
    (tmp_path / "t.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="readable parquet"):
        load_edge_index(tmp_path / "t.parquet")
    with pytest.raises(FileNotFoundError):
        load_edge_index(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="must end in"):
        (tmp_path / "e.xyz").write_text("1 2")
        load_edge_index(tmp_path / "e.xyz")


def test_node_arrays(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((4, 3)))
    assert read_node_array(tmp_path / "x.npy", 4, "features").shape == (4, 3)
    with pytest.raises(ValueError, match="num_nodes=5 rows"):
        read_node_array(tmp_path / "x.npy", 5, "features")
    pq.write_table(pa.table({"a": [1.0, 2.0], "b": [3.0, 4.0]}), tmp_path / "x.parquet")
    assert read_node_array(tmp_path / "x.parquet", 2, "features").shape == (2, 2)
