"""Writing a partitioned graph as one Zarr (v3) store.

Layout (every array is zstd-compressed, chunked along its first axis)::

    graph.zarr/
      zarr.json                 group; attrs["distgnn"] = metadata, written LAST
      book/
        node_ranges             int64[k+1]   part p owns relabelled ids [r[p], r[p+1])
        orig_ids                int64[n]     relabelled id -> user id
        new_ids                 int64[n]     user id -> relabelled id
        part_weights            int64[k, c]  per part: nodes, edges (and training nodes)
      parts/
        <p>/                    one group per part, p = 0 .. k-1
          rowptr                int64[n_p+1] row i = owned node r[p] + i
          col                   int64[nnz]   relabelled global ids j of in-neighbours (j -> i)
          edge_ids              int64[nnz]   position of edge j -> i in the ingested edge list
          halo_ids              int64[h]     sorted unique col outside [r[p], r[p+1])
          x                     float32[n_p, F]   (if features were given)
          y                     int64[n_p]        (if labels were given)
          masks/<name>          bool[n_p]         (per mask given)

Atomicity: the store is written into ``<path>.tmp-<random>`` beside ``path``,
metadata last, then renamed into place; an existing store is replaced only with
``overwrite=True`` and only after the new one is complete. A directory without
the ``distgnn`` attribute never opens as a store.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from typing import Dict, Iterator, NamedTuple, Optional, Tuple

import numpy as np
import zarr

from distgnn.errors import InputTypeError
from distgnn.ownership import OwnershipError, is_owned, mark_owned, remove_stale

from ._validate import (as_edge_array, check_assignment, check_features, check_node_array,
                        check_num_nodes)
from ._zarr import CHUNK_ELEMS, ZSTD_LEVEL, ArrayAppender, id_dtype, put_array
from .layout import relabel

__all__ = ["FORMAT_VERSION", "READABLE_VERSIONS", "ATTR_KEY", "CHUNK_ELEMS", "ZSTD_LEVEL", "FEATURE_DTYPES", "STORE_KIND", "write_store",
           "write_store_from_csr", "EdgeListCSR", "edge_list_csr",
           "check_target", "prepare_target", "commit_target", "remove_stale_temps"]

#: 2: int32 ids where they fit, crc32c per chunk, every chunk written, edge_ids optional
FORMAT_VERSION = 2
#: versions :func:`~distgnn.partition.open_store` reads
READABLE_VERSIONS = (1, 2)
ATTR_KEY = "distgnn"
#: largest label a store accepts (labels are class indices in [0, 2**31))
MAX_LABEL = (1 << 31) - 1
FEATURE_DTYPES = ("float32", "float16")
#: entries of the on-disk CSR read per step by :func:`write_store_from_csr`
CSR_CHUNK_EDGES = 1 << 22


#: marker kind of a store directory (see :mod:`distgnn.ownership`)
STORE_KIND = "store"


def _is_store(path: str) -> bool:
    """True for a directory distgnn wrote as a store (its marker, or a complete store's attrs)."""
    if is_owned(path, STORE_KIND):
        return True
    try:
        return ATTR_KEY in zarr.open_group(path, mode="r").attrs
    except Exception:
        return False


def remove_stale_temps(path: str) -> None:
    """Remove ``<path>.tmp-*`` / ``.old-*`` stores left by writers that no longer run."""
    parent, base = os.path.split(path)
    remove_stale(parent, (base + ".tmp-", base + ".old-"), STORE_KIND)


def _probe_writable(parent: str) -> None:
    """Create and remove a scratch directory in ``parent``, so that no work is done in vain."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".distgnn-probe-", dir=parent))
    except OSError as exc:
        raise PermissionError(exc.errno, f"cannot write the store beside it: {exc.strerror}", parent) from None


def check_target(path, overwrite: bool) -> str:
    """Check ``path`` may be (re)written without touching anything; return it absolute."""
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        raise FileNotFoundError(f"parent directory of the store must exist, got {parent!r}")
    _probe_writable(parent)
    if os.path.exists(path):
        if not overwrite:
            raise FileExistsError(f"store path must not exist (pass overwrite to replace it), got existing {path!r}")
        empty_dir = os.path.isdir(path) and not os.listdir(path)
        if not (empty_dir or _is_store(path)):
            raise OwnershipError(f"overwrite replaces only a distgnn store, got a non-store at {path!r} "
                                 "(it is left as it is)")
    return path


def prepare_target(path, overwrite: bool) -> Tuple[str, str]:
    """Check ``path`` may be (re)written; create and mark the temporary store beside it.

    Returns ``(final_path, tmp_path)``.
    """
    path = check_target(path, overwrite)
    remove_stale_temps(path)
    tmp = f"{path}.tmp-{uuid.uuid4().hex[:12]}"
    mark_owned(tmp, STORE_KIND)  # first, so an interrupted write is recognisably ours
    return path, tmp


def commit_target(tmp: str, path: str) -> None:
    """Move the complete store ``tmp`` to ``path``, replacing an old store only now."""
    old = None
    if os.path.exists(path):
        old = f"{path}.old-{uuid.uuid4().hex[:12]}"
        os.rename(path, old)
    os.rename(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _check_masks(masks, n: int) -> Dict[str, np.ndarray]:
    out: Dict[str, np.ndarray] = {}
    for name, m in (masks or {}).items():
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"mask names must be non-empty strings without '/', got {name!r}")
        arr = check_node_array(m, n, f"masks[{name!r}]")
        if arr.ndim != 1 or not (arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer)):
            raise InputTypeError(f"masks[{name!r}] must be a 1-D bool vector, got dtype {arr.dtype} shape {list(arr.shape)}")
        if arr.dtype != np.bool_ and not np.isin(arr, (0, 1)).all():
            raise ValueError(f"masks[{name!r}] must hold 0/1 values, got {np.unique(arr)[:5].tolist()}")
        out[name] = arr.astype(np.bool_)
    return out


def _check_labels(y, n: int) -> Optional[np.ndarray]:
    if y is None:
        return None
    arr = check_node_array(y, n, "y")
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise InputTypeError(f"y must be a 1-D integer vector, got dtype {arr.dtype} shape {list(arr.shape)}")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > MAX_LABEL:
            bad = lo if lo < 0 else hi
            raise ValueError(f"labels must be class indices in [0, 2**31), got {bad} "
                             f"(node {int(np.nonzero(arr == bad)[0][0])})")
    return arr.astype(np.int64)


def _write_nodes(root, node_ranges, orig_ids, new_of, x, y, masks, x_dtype: str = "float32") -> None:
    book = root.create_group("book")
    ids = id_dtype(orig_ids.shape[0])
    put_array(book, "node_ranges", node_ranges)
    put_array(book, "orig_ids", orig_ids, ids)
    put_array(book, "new_ids", new_of, ids)
    parts = root.require_group("parts")
    for p in range(node_ranges.shape[0] - 1):
        g = parts.require_group(str(p))
        own = orig_ids[node_ranges[p]:node_ranges[p + 1]]
        if x is not None:
            put_array(g, "x", x[own], x_dtype)
        if y is not None:
            put_array(g, "y", y[own])
        if masks:
            mg = g.require_group("masks")
            for name, m in masks.items():
                put_array(mg, name, m[own])


def _schema(x, y, masks, x_dtype: str = "float32") -> dict:
    return {
        "x": None if x is None else {"dtype": x_dtype, "num_features": int(x.shape[1])},
        "y": None if y is None else {"dtype": "int64", "num_classes": int(y.max()) + 1 if y.size else 0},
        "masks": sorted(masks),
    }


def _finish(root, meta: dict, part_w: np.ndarray) -> None:
    put_array(root["book"], "part_weights", part_w)
    root.attrs[ATTR_KEY] = meta


def _meta(n, num_edges, k, method, seed, cut, part_w, x, y, masks, extra, x_dtype="float32",
          keep_edge_ids=False) -> dict:
    avg = part_w.sum(axis=0) / k
    bal = (part_w.max(axis=0) / np.maximum(avg, 1e-12)).tolist()
    return {
        "format_version": FORMAT_VERSION, "num_nodes": int(n), "num_edges": int(num_edges),
        "num_parts": int(k), "method": str(method), "seed": int(seed),
        "edge_cut": int(cut), "edge_cut_fraction": float(cut / max(1, num_edges)),
        "balance": float(bal[0]), "balance_edges": float(bal[1]),
        "balance_constraints": ["nodes", "edges"] + (["train"] if len(bal) > 2 else []),
        "balance_all": [float(b) for b in bal],
        "schema": _schema(x, y, masks, x_dtype), "id_dtype": str(id_dtype(n)),
        "edge_ids": "ingested" if keep_edge_ids else "store_order", **extra,
    }


def _part_weights(node_ranges, nnz, masks, orig_ids) -> np.ndarray:
    cols = [np.diff(node_ranges), np.asarray(nnz, np.int64)]
    if "train" in masks:
        csum = np.concatenate([[0], np.cumsum(masks["train"][orig_ids])])
        cols.append(csum[node_ranges[1:]] - csum[node_ranges[:-1]])
    return np.stack(cols, axis=1).astype(np.int64)


class EdgeListCSR(NamedTuple):
    """An edge list as the rows :func:`write_store_from_csr` reads: row i lists the sources j of the edges
    j -> i in the list's order, ``edge_ids`` their positions in the list."""

    num_nodes: int
    rowptr: np.ndarray
    col: np.ndarray
    edge_ids: np.ndarray


def edge_list_csr(ei: np.ndarray, num_nodes: int) -> EdgeListCSR:
    """The :class:`EdgeListCSR` of the int [2, E] edge list ``ei`` (one stable sort by destination)."""
    order = np.argsort(ei[1], kind="stable")
    rowptr = np.zeros(num_nodes + 1, np.int64)
    np.cumsum(np.bincount(ei[1], minlength=num_nodes), out=rowptr[1:])
    return EdgeListCSR(num_nodes, rowptr, ei[0][order], order)


def write_store(path, edge_index, num_nodes: int, assignment, *, x=None, y=None, masks=None,
                method: str = "metis", seed: int = 0, overwrite: bool = False,
                extra_meta: Optional[dict] = None, keep_edge_ids: bool = False,
                x_dtype: str = "float32") -> None:
    """Write the in-memory ``edge_index`` (edges j -> i, stored as given) partitioned by ``assignment``.

    ``x`` float[n, F], ``y`` int[n] and ``masks`` {name: bool[n]} are optional.
    ``keep_edge_ids`` stores each edge's position in ``edge_index`` (int64 per
    edge); without it a part's edges are numbered in store order. ``x_dtype``
    is ``"float32"`` or ``"float16"``. All input is checked before anything is written.
    The store is written by :func:`write_store_from_csr` from the edges' rows; an edge
    list larger than memory goes through an on-disk CSR instead
    (:func:`~.disk_csr.build_disk_csr`, as ``distgnn partition`` does).
    """
    ei = as_edge_array(edge_index)
    n = check_num_nodes(ei, num_nodes)
    write_store_from_csr(path, edge_list_csr(ei, n), assignment, x=x, y=y, masks=masks, method=method,
                         seed=seed, overwrite=overwrite, extra_meta=extra_meta, keep_edge_ids=keep_edge_ids,
                         x_dtype=x_dtype)


def _check_nodes(n: int, assignment, x, y, masks, x_dtype: str):
    if x_dtype not in FEATURE_DTYPES:
        raise ValueError(f"x_dtype must be one of {FEATURE_DTYPES}, got {x_dtype!r}")
    assign, k = check_assignment(assignment, n)
    xs = None if x is None else check_features(x, n)
    return assign, k, xs, _check_labels(y, n), _check_masks(masks, n)


def _written(tmp: str, final: str, write) -> None:
    """Run ``write(root)`` into the temporary store ``tmp``, then move it to ``final``."""
    try:
        write(zarr.open_group(tmp, mode="a", zarr_format=3))  # tmp is new and ours
        commit_target(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_store_from_csr(path, csr, assignment, *, x=None, y=None, masks=None, method: str = "metis",
                         seed: int = 0, overwrite: bool = False, extra_meta: Optional[dict] = None,
                         keep_edge_ids: bool = False, x_dtype: str = "float32", progress=None,
                         chunk_edges: int = CSR_CHUNK_EDGES) -> None:
    """Write the store of an on-disk CSR ``csr`` (row i: in-neighbours j of i) in one pass over it.

    ``csr`` has ``num_nodes``, ``rowptr`` int64[n+1] and ``col`` int[nnz] (e.g.
    memory-mapped). Its rows are read front to back in chunks of about
    ``chunk_edges`` entries, each row relabelled, sorted and appended to its
    part's arrays (:mod:`.csr_parts`), which are written whole chunks at a
    time: memory O(num_nodes + num_parts * chunk), the CSR read once,
    sequentially. With ``keep_edge_ids`` an edge's id is its position in
    ``csr.col`` (or ``csr.edge_ids`` of it, where the CSR has them: an
    :class:`EdgeListCSR`). ``progress(entries)`` is called after each chunk.
    """
    if isinstance(chunk_edges, bool) or not isinstance(chunk_edges, (int, np.integer)) or chunk_edges < 1:
        raise ValueError(f"chunk_edges must be an int >= 1, got {chunk_edges!r}")
    n = int(csr.num_nodes)
    assign, k, xs, ys, ms = _check_nodes(n, assignment, x, y, masks, x_dtype)
    final, tmp = prepare_target(path, overwrite)

    def write(root) -> None:
        node_ranges, orig_ids, new_of = relabel(assign, k)
        _write_nodes(root, node_ranges, orig_ids, new_of, xs, ys, ms, x_dtype)
        nnz, cut = _write_csr_parts(root["parts"], csr, assign, node_ranges, orig_ids, new_of, keep_edge_ids,
                                    int(chunk_edges), progress)
        part_w = _part_weights(node_ranges, nnz, ms, orig_ids)
        _finish(root, _meta(n, int(nnz.sum()), k, method, seed, cut, part_w, xs, ys, ms,
                            extra_meta or {}, x_dtype, keep_edge_ids), part_w)

    _written(tmp, final, write)


def _write_csr_parts(parts, csr, assign, node_ranges, orig_ids, new_of, keep_edge_ids: bool, chunk_edges: int,
                     progress) -> Tuple[np.ndarray, int]:
    """Every part's rowptr, col, edge_ids and halo_ids from one pass over ``csr``; returns (nnz[k], cut)."""
    from .csr_parts import halo_from_bitmap, new_bitmap, route_rows

    n, k = int(csr.num_nodes), node_ranges.shape[0] - 1
    ids = id_dtype(n)
    book = getattr(csr, "edge_ids", None)
    deg = np.diff(np.asarray(csr.rowptr, np.int64))
    nnz = np.zeros(k, np.int64)
    cols, eids = [], []
    for p in range(k):
        g = parts.require_group(str(p))
        lo, hi = int(node_ranges[p]), int(node_ranges[p + 1])
        rowptr = np.zeros(hi - lo + 1, np.int64)
        np.cumsum(deg[orig_ids[lo:hi]], out=rowptr[1:])
        put_array(g, "rowptr", rowptr)
        nnz[p] = rowptr[-1]
        cols.append(ArrayAppender(g, "col", nnz[p], ids))
        eids.append(ArrayAppender(g, "edge_ids", nnz[p], np.int64) if keep_edge_ids else None)
    del deg
    bitmap = new_bitmap(k, n)
    new_ids = new_of.astype(ids)
    part_of = assign.astype(np.int32 if k < 1 << 31 else np.int64)
    cut = 0
    for a, b in _row_chunks(csr.rowptr, n, chunk_edges):
        rp = np.asarray(csr.rowptr[a:b + 1], np.int64)
        col = np.asarray(csr.col[rp[0]:rp[-1]])
        c, e, off, part_cut = route_rows(rp, col, int(rp[0]), part_of[a:b], new_ids, node_ranges, bitmap, ids,
                                         keep_edge_ids)
        cut += int(part_cut.sum())
        if keep_edge_ids and book is not None:
            e = np.asarray(book)[e]
        for p in np.flatnonzero(np.diff(off)):
            cols[p].append(c[off[p]:off[p + 1]])
            if keep_edge_ids:
                eids[p].append(e[off[p]:off[p + 1]])
        if progress is not None:
            progress(int(rp[-1] - rp[0]))
    for p in range(k):
        cols[p].close()
        if keep_edge_ids:
            eids[p].close()
        put_array(parts[str(p)], "halo_ids", halo_from_bitmap(bitmap[p], n), ids)
    return nnz, cut


def _row_chunks(rowptr, n: int, chunk_edges: int) -> Iterator[Tuple[int, int]]:
    """Consecutive row ranges ``[a, b)`` of about ``chunk_edges`` entries (at least one row each)."""
    a = 0
    while a < n:
        b = int(np.searchsorted(rowptr, int(rowptr[a]) + chunk_edges, side="right")) - 1
        b = min(max(b, a + 1), n)
        yield a, b
        a = b
