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
import uuid
from typing import Dict, Iterable, Iterator, Optional, Tuple

import numpy as np
import zarr

from distgnn.ownership import OwnershipError, is_owned, mark_owned, read_marker, pid_alive

from ._validate import (as_edge_array, check_assignment, check_features, check_node_array,
                        check_num_nodes)
from ._zarr import put_array
from .layout import halo_of, part_csr, relabel

__all__ = ["FORMAT_VERSION", "ATTR_KEY", "STORE_KIND", "write_store", "write_store_chunked",
           "check_target", "prepare_target", "commit_target", "remove_stale_temps"]

FORMAT_VERSION = 1
ATTR_KEY = "distgnn"


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
    for name in os.listdir(parent):
        if not (name.startswith(base + ".tmp-") or name.startswith(base + ".old-")):
            continue
        full = os.path.join(parent, name)
        record = read_marker(full)
        if record is not None and record.get("kind") == STORE_KIND and not pid_alive(record.get("pid", -1)):
            shutil.rmtree(full, ignore_errors=True)


def check_target(path, overwrite: bool) -> str:
    """Check ``path`` may be (re)written without touching anything; return it absolute."""
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        raise FileNotFoundError(f"parent directory of the store must exist, got {parent!r}")
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
    out = {}
    for name, m in (masks or {}).items():
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"mask names must be non-empty strings without '/', got {name!r}")
        arr = check_node_array(m, n, f"masks[{name!r}]")
        if arr.ndim != 1 or not (arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer)):
            raise TypeError(f"masks[{name!r}] must be a 1-D bool vector, got dtype {arr.dtype} shape {list(arr.shape)}")
        if arr.dtype != np.bool_ and not np.isin(arr, (0, 1)).all():
            raise ValueError(f"masks[{name!r}] must hold 0/1 values, got {np.unique(arr)[:5].tolist()}")
        out[name] = arr.astype(np.bool_)
    return out


def _check_labels(y, n: int) -> Optional[np.ndarray]:
    if y is None:
        return None
    arr = check_node_array(y, n, "y")
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"y must be a 1-D integer vector, got dtype {arr.dtype} shape {list(arr.shape)}")
    return arr.astype(np.int64)


def _write_nodes(root, node_ranges, orig_ids, new_of, x, y, masks) -> None:
    book = root.create_group("book")
    put_array(book, "node_ranges", node_ranges)
    put_array(book, "orig_ids", orig_ids)
    put_array(book, "new_ids", new_of)
    parts = root.require_group("parts")
    for p in range(node_ranges.shape[0] - 1):
        g = parts.require_group(str(p))
        own = orig_ids[node_ranges[p]:node_ranges[p + 1]]
        if x is not None:
            put_array(g, "x", x[own])
        if y is not None:
            put_array(g, "y", y[own])
        if masks:
            mg = g.require_group("masks")
            for name, m in masks.items():
                put_array(mg, name, m[own])


def _write_edges(group, lo: int, hi: int, rows_new: np.ndarray, cols_new: np.ndarray,
                 eids: np.ndarray) -> Tuple[int, int]:
    """Write one part's CSR; returns (nnz, number of edges from outside the part)."""
    rowptr, col, eid = part_csr(rows_new - lo, cols_new, eids, hi - lo)
    halo = halo_of(col, lo, hi)
    put_array(group, "rowptr", rowptr)
    put_array(group, "col", col)
    put_array(group, "edge_ids", eid)
    put_array(group, "halo_ids", halo)
    return int(col.shape[0]), int(((col < lo) | (col >= hi)).sum())


def _schema(x, y, masks) -> dict:
    return {
        "x": None if x is None else {"dtype": "float32", "num_features": int(x.shape[1])},
        "y": None if y is None else {"dtype": "int64", "num_classes": int(y.max()) + 1 if y.size else 0},
        "masks": sorted(masks),
    }


def _finish(root, meta: dict, part_w: np.ndarray) -> None:
    put_array(root["book"], "part_weights", part_w)
    root.attrs[ATTR_KEY] = meta


def _meta(n, num_edges, k, method, seed, cut, part_w, x, y, masks, extra) -> dict:
    avg = part_w.sum(axis=0) / k
    bal = (part_w.max(axis=0) / np.maximum(avg, 1e-12)).tolist()
    return {
        "format_version": FORMAT_VERSION, "num_nodes": int(n), "num_edges": int(num_edges),
        "num_parts": int(k), "method": str(method), "seed": int(seed),
        "edge_cut": int(cut), "edge_cut_fraction": float(cut / max(1, num_edges)),
        "balance": float(bal[0]), "balance_edges": float(bal[1]),
        "balance_constraints": ["nodes", "edges"] + (["train"] if len(bal) > 2 else []),
        "balance_all": [float(b) for b in bal],
        "schema": _schema(x, y, masks), **extra,
    }


def _part_weights(node_ranges, nnz, masks, orig_ids) -> np.ndarray:
    cols = [np.diff(node_ranges), np.asarray(nnz, np.int64)]
    if "train" in masks:
        csum = np.concatenate([[0], np.cumsum(masks["train"][orig_ids])])
        cols.append(csum[node_ranges[1:]] - csum[node_ranges[:-1]])
    return np.stack(cols, axis=1).astype(np.int64)


def write_store(path, edge_index, num_nodes: int, assignment, *, x=None, y=None, masks=None,
                method: str = "metis", seed: int = 0, overwrite: bool = False,
                extra_meta: Optional[dict] = None) -> None:
    """Write ``edge_index`` (edges j -> i, stored as given) partitioned by ``assignment``.

    ``x`` float[n, F], ``y`` int[n] and ``masks`` {name: bool[n]} are optional.
    All input is checked before anything is written.
    """
    ei = as_edge_array(edge_index)
    n = check_num_nodes(ei, num_nodes)
    return write_store_chunked(path, lambda: iter((ei,)), n, assignment, x=x, y=y, masks=masks,
                               method=method, seed=seed, overwrite=overwrite,
                               extra_meta=extra_meta, _checked=True)


def _chunks_checked(chunks: Iterable, n: int) -> Iterator[np.ndarray]:
    for c in chunks:
        ei = as_edge_array(c, "edge chunk")
        if ei.shape[1]:
            lo, hi = int(ei.min()), int(ei.max())
            if lo < 0 or hi >= n:
                raise ValueError(f"node ids must be in [0, num_nodes={n}), got range [{lo}, {hi}]")
        yield ei


def write_store_chunked(path, edge_chunks, num_nodes: int, assignment, *, x=None, y=None, masks=None,
                        method: str = "metis", seed: int = 0, overwrite: bool = False,
                        extra_meta: Optional[dict] = None, spill_dir: Optional[str] = None,
                        progress=None, _checked: bool = False) -> None:
    """Like :func:`write_store` but reads edges from ``edge_chunks()``, an iterable of int [2, c].

    Memory stays O(num_nodes + largest part's edges + chunk): edges are spilled
    to one scratch file per part, then each part is sorted and written alone.
    """
    from .spill import PartSpill

    n = int(num_nodes)
    assign, k = check_assignment(assignment, n)
    xs = None if x is None else check_features(x, n)
    ys = _check_labels(y, n)
    ms = _check_masks(masks, n)
    final, tmp = prepare_target(path, overwrite)
    try:
        node_ranges, orig_ids, new_of = relabel(assign, k)
        root = zarr.open_group(tmp, mode="a", zarr_format=3)  # tmp is new and ours
        _write_nodes(root, node_ranges, orig_ids, new_of, xs, ys, ms)
        with PartSpill(k, spill_dir or tmp) as spill:
            num_edges = 0
            chunks = edge_chunks() if callable(edge_chunks) else edge_chunks
            for ei in (chunks if _checked else _chunks_checked(chunks, n)):
                spill.add(new_of[ei[1]], new_of[ei[0]], np.arange(num_edges, num_edges + ei.shape[1]),
                          assign[ei[1]])
                num_edges += ei.shape[1]
                if progress is not None:
                    progress(ei.shape[1])
            nnz, cut = [], 0
            for p in range(k):
                rows, cols, eids = spill.load(p)
                a, c = _write_edges(root["parts"].require_group(str(p)), int(node_ranges[p]),
                                    int(node_ranges[p + 1]), rows, cols, eids)
                nnz.append(a)
                cut += c
        part_w = _part_weights(node_ranges, nnz, ms, orig_ids)
        _finish(root, _meta(n, num_edges, k, method, seed, cut, part_w, xs, ys, ms, extra_meta or {}), part_w)
        commit_target(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
