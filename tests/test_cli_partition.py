import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distgnn.cli import main
from distgnn.partition import open_store
from distgnn.partition.kaminpar import available as kaminpar_available


def _edges(tmp_path):
    rng = np.random.default_rng(0)
    ei = rng.integers(0, 200, (2, 1000))
    ei[:, 0] = (0, 199)
    p = tmp_path / "edges.parquet"
    pq.write_table(pa.table({"src": ei[0], "dst": ei[1]}), p)
    return p


def test_partition_and_inspect(tmp_path, capsys):
    inp = _edges(tmp_path)
    np.save(tmp_path / "x.npy", np.ones((200, 4), np.float32))
    np.save(tmp_path / "y.npy", np.arange(200) % 3)
    np.save(tmp_path / "train.npy", np.arange(200) % 2 == 0)
    out = tmp_path / "g.zarr"
    rc = main(["partition", str(inp), "--num-parts", "4", "--out", str(out), "--features",
               str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.npy"), "--masks",
               f"train={tmp_path / 'train.npy'}", "--seed", "3", "-q"])
    assert rc == 0
    s = open_store(out)
    assert s.num_parts == 4 and s.num_features == 4 and s.num_classes == 3 and s.meta["seed"] == 3
    assert s.part(0).masks["train"].dtype == bool
    assert main(["inspect", str(out)]) == 0
    text = capsys.readouterr().out
    assert "edge_cut" in text and "balance" in text and "train" in text


def test_generator_spec_and_overwrite(tmp_path, capsys):
    out = tmp_path / "g.zarr"
    assert main(["partition", "grid:10:10", "-k", "2", "-o", str(out), "--method", "random", "-q"]) == 0
    assert main(["partition", "grid:10:10", "-k", "2", "-o", str(out), "-q"]) == 2
    assert "must not exist" in capsys.readouterr().err
    assert main(["partition", "grid:10:10", "-k", "4", "-o", str(out), "-q", "--overwrite"]) == 0
    assert open_store(out).num_parts == 4


@pytest.mark.parametrize("args, words", [
    (["--method", "spectral"], "--method must be one of"),
    (["-k", "0"], "num_parts"),
    (["-k", "999"], "num_parts"),
])
def test_bad_args(tmp_path, capsys, args, words):
    inp = _edges(tmp_path)
    argv = ["partition", str(inp), "-o", str(tmp_path / "g.zarr"), "-q"] + (args if "-k" in args else ["-k", "2"] + args)
    assert main(argv) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "g.zarr").exists()


def test_bad_features_and_files(tmp_path, capsys):
    inp = _edges(tmp_path)
    x = np.ones((200, 2))
    x[5, 1] = np.nan
    np.save(tmp_path / "x.npy", x)
    assert main(["partition", str(inp), "-k", "2", "-o", str(tmp_path / "g.zarr"), "--features",
                 str(tmp_path / "x.npy"), "-q"]) == 2
    assert "finite" in capsys.readouterr().err
    assert main(["partition", str(tmp_path / "missing.csv"), "-k", "2", "-o", str(tmp_path / "g.zarr"), "-q"]) == 2
    assert main(["inspect", str(tmp_path / "nothing.zarr")]) == 2
    assert not (tmp_path / "g.zarr").exists()


def test_keep_edge_ids_and_feature_dtype(tmp_path):
    import zarr

    inp = _edges(tmp_path)
    np.save(tmp_path / "x.npy", np.linspace(0, 1, 200 * 3, dtype=np.float32).reshape(200, 3))
    assert main(["partition", str(inp), "-k", "2", "-o", str(tmp_path / "a.zarr"), "-q",
                 "--keep-edge-ids", "--features", str(tmp_path / "x.npy"), "--feature-dtype", "float16"]) == 0
    g = zarr.open_group(str(tmp_path / "a.zarr"), mode="r")
    assert "edge_ids" in g["parts/0"] and g["parts/0/x"].dtype == np.float16
    assert open_store(tmp_path / "a.zarr").meta["schema"]["x"]["dtype"] == "float16"
    assert main(["partition", str(inp), "-k", "2", "-o", str(tmp_path / "b.zarr"), "-q"]) == 0
    assert "edge_ids" not in zarr.open_group(str(tmp_path / "b.zarr"), mode="r")["parts/0"]


def _parts(path):
    s = open_store(path)
    return s, [(s.part(p).rowptr, s.part(p).col) for p in range(s.num_parts)]


def test_streaming_ingest_gives_the_in_memory_store(tmp_path, capsys):
    from distgnn.partition import write_store
    from distgnn.partition.ingest import clean_edges, load_edge_index

    inp = _edges(tmp_path)
    out, csr = tmp_path / "g.zarr", tmp_path / "g.csr"
    assert main(["partition", str(inp), "-k", "4", "-o", str(out), "-q", "--method", "metis", "--csr", str(csr),
                 "--bucket-mb", "1", "--chunk-rows", "37"]) == 0
    s, got = _parts(out)
    ei, n = load_edge_index(inp)
    ref = tmp_path / "ref.zarr"
    assign = np.zeros(n, np.int64)
    assign[s.orig_ids] = np.repeat(np.arange(4), np.diff(s.node_ranges))
    write_store(ref, clean_edges(ei, n), n, assign)
    _, want = _parts(ref)
    for (r1, c1), (r2, c2) in zip(got, want):
        assert np.array_equal(r1, r2) and np.array_equal(c1, c2)
    # the kept CSR is an INPUT too; the generator spec streams the same way
    out2 = tmp_path / "h.zarr"
    assert main(["partition", str(csr), "-k", "4", "-o", str(out2), "-q", "--method", "metis"]) == 0
    assert np.array_equal(open_store(out2).orig_ids, s.orig_ids)
    assert main(["partition", "rmat:9", "-k", "2", "-o", str(tmp_path / "r.zarr"), "-q"]) == 0
    text = capsys.readouterr().out
    assert "method auto -> metis" in text and "fits" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.parquet", "g.csr", "g.zarr", "h.zarr", "r.zarr",
                                                          "ref.zarr"]


def test_ids_beyond_num_nodes_leave_nothing(tmp_path, capsys):
    inp = _edges(tmp_path)
    assert main(["partition", str(inp), "-k", "2", "-o", str(tmp_path / "g.zarr"), "-q", "--num-nodes", "150"]) == 2
    err = capsys.readouterr().err
    assert "[0, num_nodes=150)" in err and "edges.parquet" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.parquet"]


def test_no_symmetrize_with_metis_keeps_directed_edges_and_cuts_as_undirected(tmp_path):
    inp = _edges(tmp_path)
    out = tmp_path / "g.zarr"
    assert main(["partition", str(inp), "-k", "4", "-o", str(out), "--method", "metis", "--no-symmetrize",
                 "--seed", "1", "-q"]) == 0
    s = open_store(out)
    ei = pq.read_table(inp).to_pandas().to_numpy().T
    directed = {(a, b) for a, b in ei.T if a != b}
    assert s.num_edges == len(directed) and s.meta["symmetrized"] is False
    sym = tmp_path / "s.zarr"  # the same parts as partitioning the symmetrised graph
    assert main(["partition", str(inp), "-k", "4", "-o", str(sym), "--method", "metis", "--seed", "1", "-q"]) == 0
    t = open_store(sym)
    assert np.array_equal(s.part_of(s.to_new(np.arange(200))), t.part_of(t.to_new(np.arange(200))))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.parquet", "g.zarr", "s.zarr"]


@pytest.mark.skipif(not kaminpar_available(), reason="kaminpar wheel not installed")
def test_auto_runs_kaminpar_against_stream_and_keeps_the_better_cut(tmp_path, capsys):
    # rmat:9 (9682 entries) in 0.3 MB: metis (~0.97 MB) does not fit, KaMinPar default (~0.29 MB) does
    out = tmp_path / "r.zarr"
    assert main(["partition", "rmat:9", "-k", "4", "-o", str(out), "--memory-gb", "0.0003"]) == 0
    text = capsys.readouterr().out
    assert "method auto -> kaminpar context=default compare_stream=True" in text, text
    line = next(x for x in text.splitlines() if x.startswith("KaMinPar cuts"))
    kaminpar, stream = (float(v) for v in re.findall(r"([0-9.]+)%", line))
    s = open_store(out)
    assert abs(100 * s.meta["edge_cut_fraction"] - min(kaminpar, stream)) < 0.1, (line, s.meta["edge_cut_fraction"])
    assert s.meta["method"] == ("kaminpar" if kaminpar <= stream else "stream") and \
        s.meta["method_requested"] == "auto", s.meta
