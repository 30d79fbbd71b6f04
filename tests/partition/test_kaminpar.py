import numpy as np
import pytest

from distgnn.partition import partition, partition_graph
from distgnn.partition.api import choose_method
from distgnn.partition.disk_csr import DiskCSR, build_disk_csr
from distgnn.partition.kaminpar import available, kaminpar_partition, write_parhip

from partition_helpers import cut_edges, grid, two_cliques

needs_kaminpar = pytest.mark.skipif(not available(), reason="kaminpar wheel not installed")


def test_parhip_file_layout(tmp_path):
    c = build_disk_csr([np.array([[0, 1, 2], [1, 2, 0]])], 4, tmp_path / "c")
    write_parhip(c, str(tmp_path / "g.parhip"))
    raw = (tmp_path / "g.parhip").read_bytes()
    version, n, m = np.frombuffer(raw[:24], np.uint64).tolist()
    assert (version, n, m) == (11, 4, 6)  # no weights, 32-bit vertex ids
    off = np.frombuffer(raw[24:24 + 40], np.uint64).tolist()
    base = 24 + 40
    assert off == [base, base + 8, base + 16, base + 24, base + 24]
    assert np.frombuffer(raw[base:], np.uint32).tolist() == [1, 2, 0, 2, 0, 1]


@needs_kaminpar
def test_kaminpar_against_stream_keeps_the_lower_cut(tmp_path):
    ei = grid(40, 40)
    c = build_disk_csr([ei], 1600, tmp_path / "g")
    k = partition_graph(c, None, 4, method="kaminpar", seed=3).numpy()
    s = partition_graph(c, None, 4, method="stream", seed=3).numpy()
    best = partition(c, None, 4, method="kaminpar", seed=3, compare_stream=True)
    assert cut_edges(ei, k) != cut_edges(ei, s)
    kaminpar_wins = cut_edges(ei, k) <= cut_edges(ei, s)
    assert np.array_equal(best.part.numpy(), k if kaminpar_wins else s)
    assert best.method == ("kaminpar" if kaminpar_wins else "stream")  # the method of the partition kept
    with pytest.raises(ValueError, match="compare_stream must be True or False, got 'yes'"):
        partition_graph(c, None, 4, method="kaminpar", compare_stream="yes")


@needs_kaminpar
@pytest.mark.parametrize("context", ["default", "terapart"])
def test_kaminpar_balanced_deterministic_and_good(tmp_path, context):
    ei = grid(40, 40)
    c = build_disk_csr([ei], 1600, tmp_path / "g")
    a = partition_graph(c, None, 4, method="kaminpar", seed=3, context=context).numpy()
    b = partition_graph(c, None, 4, method="kaminpar", seed=3, context=context).numpy()
    if context == "default":  # one thread: the same partition for a seed
        assert np.array_equal(a, b)
    # terapart (compressed graph) is not reproducible even on one thread: measured here, a 40x40
    # grid gave cuts of 82 and 84 edges for the same seed in one process; both calls are still checked
    for p in (a, b):
        sizes = np.bincount(p, minlength=4)
        assert sizes.max() <= 1.03 * 400 + 1 and cut_edges(ei, p) <= 160
    sizes = np.bincount(a, minlength=4)
    assert sizes.max() <= 1.03 * 400 + 1 and sizes.min() > 0
    assert cut_edges(ei, a) <= 160  # an optimal 4-way cut of a 40x40 grid is 80 edges; random ~2400
    cl = two_cliques(10)
    part = partition_graph(cl, 20, 2, method="kaminpar", seed=0, context=context).numpy()
    assert cut_edges(cl, part) == 1


@needs_kaminpar
def test_kaminpar_refuses_directed_csr_and_bad_context(tmp_path):
    c = build_disk_csr([grid(5, 5)], 25, tmp_path / "d", symmetrize=False)
    with pytest.raises(ValueError, match="undirected"):
        kaminpar_partition(c, 2)
    s = build_disk_csr([grid(5, 5)], 25, tmp_path / "s")
    with pytest.raises(ValueError, match="context must be one of"):
        partition_graph(s, None, 2, method="kaminpar", context="nope")


def test_auto_choice_by_size_and_memory():
    m, opts, why = choose_method(1000, 20000, memory_gb=8, kaminpar_ok=True)
    assert m == "metis" and "fits" in why
    m, opts, why = choose_method(1 << 25, 1 << 30, memory_gb=30, kaminpar_ok=True)
    assert m == "kaminpar" and opts["context"] in ("default", "terapart") and "metis would" in why
    m, opts, why = choose_method(1 << 25, 1 << 30, memory_gb=20, kaminpar_ok=False)
    assert m == "out_of_core" and "not installed" in why and opts["memory_gb"] == 20
    m, _, why = choose_method(1 << 25, 1 << 30, memory_gb=1.5, kaminpar_ok=True)
    assert m == "stream"  # out_of_core's 64 B per node would be 2 GB


@pytest.mark.parametrize("scale, memory_gb, method, context", [
    (22, 20, "metis", None),          # 128M edges: metis (~11 GB measured) fits and is below METIS_MAX_EDGES
    (22, 8, "kaminpar", "default"),   # metis does not fit 8 GB
    (24, 20, "kaminpar", "default"),  # 13.4 GB measured
    (25, 20, "out_of_core", None),    # terapart: ~13 GB on R-MAT, but 23 GB budgeted (planted graphs)
    (25, 26, "kaminpar", "terapart"), # default ~28 GB would not fit
    (25, 32, "kaminpar", "default"),
    (25, 8, "out_of_core", None),     # 2 GB of per-node state
    (25, 1.5, "stream", None),
])
def test_auto_picks_by_the_measured_model_at_rmat_sizes(scale, memory_gb, method, context):
    n = 1 << scale
    edges = int(31.2 * n)  # R-MAT, edge factor 16, symmetrised and deduplicated
    m, opts, why = choose_method(n, edges, memory_gb=memory_gb, kaminpar_ok=True)
    assert (m, opts.get("context")) == (method, context), why
    assert f"{memory_gb:.1f} GB" in why and str(edges) in why
    assert opts.get("compare_stream", False) == (m in ("kaminpar", "out_of_core")), opts


def test_metis_on_the_csr_memory_maps(tmp_path):
    ei = grid(20, 20)
    c = build_disk_csr([ei], 400, tmp_path / "g")
    a = partition_graph(c, None, 4, method="metis", seed=1).numpy()
    assert np.array_equal(a, partition_graph(c, None, 4, method="metis", seed=1).numpy())
    b = partition_graph(ei, 400, 4, method="metis", seed=1).numpy()  # rows in another order: other ties
    assert np.bincount(a, minlength=4).max() <= 103 and cut_edges(ei, a) <= 1.25 * cut_edges(ei, b)
    assert cut_edges(ei, a) <= 60  # optimal: 40
    assert isinstance(DiskCSR.open(tmp_path / "g").col, np.memmap)
    s = partition_graph(c, None, 4, method="stream", seed=1).numpy()
    assert np.bincount(s, minlength=4).max() <= 1.03 * 100 + 1


@pytest.mark.parametrize("method", ["metis", pytest.param("kaminpar", marks=needs_kaminpar)])
def test_directed_csr_is_partitioned_as_its_symmetrised_copy(tmp_path, method):
    rng = np.random.default_rng(4)
    ei = rng.integers(0, 300, (2, 1500))
    d = build_disk_csr([ei], 300, tmp_path / "d", symmetrize=False, remove_duplicates=False,
                       remove_self_loops=False)
    s = build_disk_csr([ei], 300, tmp_path / "s")
    a = partition_graph(d, None, 4, method=method, seed=2).numpy()
    assert np.array_equal(a, partition_graph(s, None, 4, method=method, seed=2).numpy())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "s"]  # the copy is gone
    sym = d.symmetrized_copy(tmp_path / "c")
    assert sym.undirected and not d.undirected
    assert np.array_equal(sym.rowptr, s.rowptr) and np.array_equal(sym.col, s.col)
