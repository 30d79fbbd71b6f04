"""KaMinPar (Gottesbüren, Heuer, Sanders, Schulz, Seemaier; MIT, PyPI ``kaminpar``) on an on-disk CSR.

The Python bindings read a graph from a METIS or ParHIP binary file, so the
on-disk CSR is written as a ParHIP binary file chunk by chunk (no in-memory copy
of the edges): a 24-byte header (version, n, m), ``n + 1`` 64-bit byte offsets
(``24 + 8 (n + 1) + 4 rowptr[v]``) and the neighbour lists as 32-bit ids (the
version's 32-bit-vertex-id flag) below 2**31 nodes, else 64-bit ids.

Contexts: ``"default"`` (multilevel with label-propagation coarsening and
refinement) and ``"terapart"`` (the same on a compressed input graph) or any
name of ``kaminpar.context_names()``.

Memory: the PyPI wheel is built with 64-bit node and edge ids
(``kaminpar.__64bit__``), so the uncompressed graph ``load_graph`` builds for
the default context takes 8 bytes per directed edge before partitioning
starts, twice our int32 CSR, and its coarse levels (with edge weights) come on
top: measured 15 B/edge at R-MAT 22, 26 B/edge (13.4 GB) at R-MAT 24 and 27 B/edge
on a planted-partition graph. ``terapart`` loads the graph compressed
(``compress=True``) and peaks at ~11-12 B/edge on R-MAT (22-23) but 22 B/edge on
the planted graph, whose coarse graphs (not compressed) shrink slowly: at a
billion edges that is 13 to 25 GB depending on the graph. ``method="auto"``
budgets the largest figure measured
(:data:`~distgnn.partition.api.MEMORY_MODEL`). Our own copies are the ParHIP file
(written from the memory maps in chunks, on disk, removed after loading) and
the returned partition (8 B per node).

Determinism: KaMinPar is seeded with ``kaminpar.reseed(seed)``; with one thread
(the default, ``threads=1``) the ``default`` context gives the same partition for
the same seed; with more threads, or with the compressed ``terapart`` context even
on one thread, the result may differ from run to run even after reseeding.
"""
from __future__ import annotations

import os
import struct
import uuid
from typing import Optional

import numpy as np

__all__ = ["available", "kaminpar_partition", "write_parhip", "CONTEXTS"]

#: contexts offered by name in the documentation (every name of kaminpar.context_names() works)
CONTEXTS = ("default", "terapart")
_CHUNK = 1 << 24


def available() -> bool:
    """True when the ``kaminpar`` wheel can be imported."""
    try:
        import kaminpar  # noqa: F401
    except ImportError:
        return False
    return True


def write_parhip(csr, path: str) -> None:
    """Write the symmetric on-disk CSR ``csr`` (rowptr/col memory maps) as a ParHIP binary file."""
    n, m = csr.num_nodes, csr.num_edges
    vid32 = csr.col.dtype == np.int32
    vb = 4 if vid32 else 8
    version = (3 | 8) if vid32 else 3  # no edge / vertex weights; bit 3: 32-bit vertex ids
    base = 24 + 8 * (n + 1)
    with open(path, "wb") as f:
        f.write(struct.pack("<QQQ", version, n, m))
        for a in range(0, n + 1, _CHUNK):
            off = np.asarray(csr.rowptr[a:a + _CHUNK], np.int64) * vb + base
            off.astype(np.uint64).tofile(f)
        for a in range(0, m, _CHUNK):
            np.asarray(csr.col[a:a + _CHUNK]).tofile(f)


def _context(name: str):
    import kaminpar

    if name not in kaminpar.context_names():
        raise ValueError(f"KaMinPar context must be one of {', '.join(sorted(kaminpar.context_names()))}, "
                         f"got {name!r}")
    return kaminpar.context_by_name(name)


def kaminpar_partition(csr, num_parts: int, *, seed: int = 0, imbalance: float = 0.03,
                       context: str = "default", threads: int = 1, scratch_dir: Optional[str] = None) -> np.ndarray:
    """Partition the symmetric, loop-free, deduplicated on-disk CSR ``csr`` into ``num_parts`` parts.

    Args:
        seed: passed to ``kaminpar.reseed`` (default: 0).
        imbalance: allowed imbalance epsilon (default: 0.03).
        context: KaMinPar context name, "default" or "terapart" (compressed graph) (default: "default").
        threads: KaMinPar threads (default: 1, deterministic per seed).
        scratch_dir: where the ParHIP file is written (default: beside the CSR).
    Returns int64[n] parts.
    """
    if not available():
        raise ValueError("method 'kaminpar' needs the kaminpar package (pip install kaminpar), got none installed")
    import kaminpar

    if not (csr.meta.get("symmetrized") and csr.meta.get("deduplicated") and csr.meta.get("self_loops_removed")):
        raise ValueError("KaMinPar expects an undirected graph: a symmetrised CSR without duplicates and self "
                         f"loops, got symmetrized={csr.meta.get('symmetrized')}, "
                         f"deduplicated={csr.meta.get('deduplicated')}, "
                         f"self_loops_removed={csr.meta.get('self_loops_removed')}")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an int >= 1, got {threads!r}")
    ctx = _context(context)
    where = scratch_dir or os.path.dirname(os.path.abspath(csr.path))
    path = os.path.join(where, f".kaminpar-{uuid.uuid4().hex[:8]}.parhip")
    try:
        write_parhip(csr, path)
        graph = kaminpar.load_graph(path, kaminpar.GraphFileFormat.PARHIP, compress=context.startswith("terapart"))
    finally:
        if os.path.exists(path):
            os.remove(path)
    kaminpar.reseed(int(seed))
    solver = kaminpar.KaMinPar(threads, ctx)
    part = solver.compute_partition(graph, int(num_parts), float(imbalance))
    del graph, solver
    return np.fromiter(part, np.int64, count=csr.num_nodes)
