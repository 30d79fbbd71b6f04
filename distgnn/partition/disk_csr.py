"""The on-disk CSR: the graph every stage after ingest reads, memory-mapped.

A ``DiskCSR`` directory holds::

    rowptr.npy   int64[n+1]
    col.npy      int32[m] when num_nodes < 2**31, else int64[m]
    meta.json    num_nodes, num_edges, id_dtype, symmetrized, deduplicated,
                 self_loops_removed, source (written last: its presence marks a complete CSR)

Row ``i`` lists the sources ``j`` of the edges ``j -> i`` (in-neighbours), sorted
ascending (deduplicated unless asked otherwise). Open with :meth:`DiskCSR.open`;
the arrays are ``np.load(..., mmap_mode="r")`` memory maps.

:func:`build_disk_csr` makes one from edge chunks in bounded memory:

1. *spill*: chunks (checked: integer ids in ``[0, num_nodes)``) are symmetrised
   and stripped of self loops as asked, gathered into a buffer and, when it is
   full, counting-sorted by destination bucket (a range of ``width`` node ids)
   and appended to one scratch file, with each block's per-bucket offsets kept;
2. *sort*: consecutive buckets are grouped up to ``bucket_bytes`` (a single
   bucket above it, the hubs of a skewed graph, is sorted in several row
   ranges, each reading it again); group by group, its pieces are read back, counting-sorted by
   destination, each row sorted (and deduplicated) in place (numba), and the
   row lengths and sources appended to ``rowptr`` / ``col``.

Memory is O(num_nodes) (``rowptr``) plus one bucket plus the spill buffer, both
set by ``bucket_bytes``; the result does not depend on the chunk size. The
directory is built as ``<out>.tmp-<random>`` (with an ownership marker) and
renamed into place after ``meta.json``; on any error the scratch is removed, so
a failed or killed run leaves nothing that opens as a ``DiskCSR`` (a killed
run's temporary directory is removed by the next build beside it).
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import uuid
from typing import Callable, Iterable, Iterator, Optional, Tuple

import numpy as np

from distgnn.errors import InputTypeError
from distgnn.ownership import is_owned, mark_owned, remove_stale

from ._validate import id_dtype as default_id_dtype
from .bucket_spill import BucketSpill, bucket_rows, bucket_groups, row_ranges

__all__ = ["DiskCSR", "build_disk_csr", "csr_from_edges", "FORMAT", "DEFAULT_BUCKET_BYTES"]

FORMAT = "distgnn-disk-csr-1"
KIND = "disk_csr"
DEFAULT_BUCKET_BYTES = 512 << 20
_BYTES_PER_ENTRY = 24  # sort phase: dst + src + output + slack, per directed entry (int32 ids)


class DiskCSR:
    """A complete on-disk CSR (see the module docstring); ``rowptr`` and ``col`` are read-only memory maps."""

    def __init__(self, path: str, meta: dict, rowptr: np.ndarray, col: np.ndarray) -> None:
        self.path, self.meta, self.rowptr, self.col = path, meta, rowptr, col

    @classmethod
    def open(cls, path) -> "DiskCSR":
        """Open ``path``; a missing, partial or inconsistent directory raises ``ValueError``."""
        path = os.path.abspath(os.fspath(path))
        meta_path = os.path.join(path, "meta.json")
        if not os.path.isfile(meta_path):
            raise ValueError(f"expected an on-disk CSR directory with meta.json, got {path!r} "
                             f"({'no such directory' if not os.path.isdir(path) else 'no meta.json: incomplete'})")
        try:
            with open(meta_path) as f:
                meta = json.load(f)
            rowptr = np.load(os.path.join(path, "rowptr.npy"), mmap_mode="r")
            col = np.load(os.path.join(path, "col.npy"), mmap_mode="r")
        except (OSError, ValueError) as exc:
            raise ValueError(f"expected a readable on-disk CSR in {path!r}, got: {exc}") from None
        _check_complete(path, meta, rowptr, col)
        return cls(path, meta, rowptr, col)

    @property
    def num_nodes(self) -> int:
        return int(self.meta["num_nodes"])

    @property
    def num_edges(self) -> int:
        return int(self.meta["num_edges"])

    @property
    def symmetrized(self) -> bool:
        return bool(self.meta["symmetrized"])

    def degree(self) -> np.ndarray:
        """int64[n]: in-degree of every node (row lengths)."""
        return np.diff(self.rowptr)

    def row_ranges(self, chunk_edges: int) -> Iterator[Tuple[int, int]]:
        """Consecutive row ranges ``[a, b)`` holding about ``chunk_edges`` entries each (at least one row)."""
        n, a = self.num_nodes, 0
        while a < n:
            target = int(self.rowptr[a]) + max(int(chunk_edges), 1)
            b = int(np.searchsorted(self.rowptr, target, side="right")) - 1
            b = min(max(b, a + 1), n)
            yield a, b
            a = b

    def edge_chunks(self, chunk_edges: int = 1 << 22, *, by_source: bool = False) -> Iterator[np.ndarray]:
        """Yield int64 [2, c] edges in CSR order: ``(col, row)`` (edges j -> i); with
        ``by_source`` (symmetric CSR only) ``(row, col)``, i.e. sorted by (source, target)."""
        if by_source and not self.symmetrized:
            raise ValueError("edge_chunks(by_source=True) needs a symmetrised CSR, got a directed one")
        for a, b in self.row_ranges(chunk_edges):
            lo, hi = int(self.rowptr[a]), int(self.rowptr[b])
            rows = np.repeat(np.arange(a, b, dtype=np.int64), np.diff(self.rowptr[a:b + 1]))
            cols = np.asarray(self.col[lo:hi], np.int64)
            yield np.stack([rows, cols]) if by_source else np.stack([cols, rows])

    @property
    def undirected(self) -> bool:
        """True when the CSR is what the partitioners read as it is: symmetrised, deduplicated, loop-free."""
        m = self.meta
        return bool(m.get("symmetrized") and m.get("deduplicated") and m.get("self_loops_removed"))

    def symmetrized_copy(self, out_dir, *, bucket_bytes: int = DEFAULT_BUCKET_BYTES) -> "DiskCSR":
        """A new on-disk CSR in ``out_dir``: this one's edges in both directions, deduplicated,
        without self loops (built out of core like any other input)."""
        return build_disk_csr(self.edge_chunks(), self.num_nodes, out_dir, num_edges_hint=self.num_edges,
                              bucket_bytes=bucket_bytes, source=f"{self.meta.get('source', self.path)} (symmetrised)",
                              id_dtype=self.col.dtype)

    def __repr__(self) -> str:
        return f"DiskCSR({self.path!r}, num_nodes={self.num_nodes}, num_edges={self.num_edges})"


def _check_complete(path: str, meta: dict, rowptr: np.ndarray, col: np.ndarray) -> None:
    if meta.get("format") != FORMAT:
        raise ValueError(f"expected an on-disk CSR of format {FORMAT!r}, got {meta.get('format')!r} in {path!r}")
    n, m = int(meta["num_nodes"]), int(meta["num_edges"])
    want = np.dtype(meta["id_dtype"])
    problems = []
    if rowptr.dtype != np.int64 or rowptr.shape != (n + 1,):
        problems.append(f"rowptr int64[{n + 1}], got {rowptr.dtype}{list(rowptr.shape)}")
    if col.dtype != want or col.shape != (m,):
        problems.append(f"col {want}[{m}], got {col.dtype}{list(col.shape)}")
    if not problems and (int(rowptr[0]) != 0 or int(rowptr[-1]) != m):
        problems.append(f"rowptr from 0 to {m}, got {int(rowptr[0])} to {int(rowptr[-1])}")
    if problems:
        raise ValueError(f"on-disk CSR {path!r} is inconsistent: expected " + "; ".join(problems))


def _col_write(f, arr: np.ndarray) -> None:
    """Append a bucket's sources to ``col.npy``."""
    arr.tofile(f)


# ----------------------------------------------------------------------------------------------
# building


def _checked_chunk(c, n: int, seen: int, source: str) -> np.ndarray:
    if hasattr(c, "numpy") and not isinstance(c, np.ndarray):
        c = c.numpy()
    c = np.asarray(c)
    if c.ndim != 2 or c.shape[0] != 2:
        raise ValueError(f"edge chunks must have shape [2, c], got {list(c.shape)} at edge {seen} of {source}")
    if not np.issubdtype(c.dtype, np.integer) or c.dtype == np.bool_:
        raise InputTypeError(f"edge chunks must hold integer ids, got dtype {c.dtype} at edge {seen} of {source}")
    if c.shape[1]:
        lo, hi = int(c.min()), int(c.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise ValueError(f"node ids must be in [0, num_nodes={n}), got {bad} in edges "
                             f"{seen}..{seen + c.shape[1] - 1} of {source}"
                             + (" (give a larger --num-nodes?)" if bad >= n else ""))
    return c


def _directed_entries(c: np.ndarray, dtype: np.dtype, symmetrize: bool, remove_self_loops: bool):
    src, dst = c[0].astype(dtype, copy=False), c[1].astype(dtype, copy=False)
    if remove_self_loops:
        keep = src != dst
        if not keep.all():
            src, dst = src[keep], dst[keep]
    if symmetrize:
        return np.concatenate([dst, src]), np.concatenate([src, dst])
    return np.array(dst, copy=True), np.array(src, copy=True)


def _plan(num_nodes: int, rows_hint: Optional[int], symmetrize: bool, bucket_bytes: int) -> Tuple[int, int, int]:
    """(fine bucket width in node ids, number of fine buckets, entries per sort group).

    Edges spill into fine destination ranges, 16 per expected sort group, so the
    sort phase can group consecutive ranges to about ``bucket_bytes`` even when
    the degrees are skewed (R-MAT's low ids)."""
    est = rows_hint if rows_hint is not None else 16 * num_nodes
    entries = max(int(est) * (2 if symmetrize else 1), 1)
    per_group = max(int(bucket_bytes) // _BYTES_PER_ENTRY, 1)
    nb = int(min(max(-(-entries // per_group), 1) * 16, num_nodes, 1 << 16))
    width = -(-num_nodes // nb)
    return width, -(-num_nodes // width), per_group


def _write_npy_header(path: str, dtype: np.dtype, length: int) -> int:
    """Create ``path`` as a 1-D .npy of ``length`` (sparse), return the data offset."""
    arr = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(length,))
    offset = arr.offset
    del arr
    return offset


def _shrink_npy(path: str, dtype: np.dtype, length: int, offset: int) -> None:
    """Rewrite the header of a 1-D .npy for ``length`` entries (same header size) and truncate."""
    body = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (length,)})
    hlen = offset - 10
    if len(body) + 1 > hlen:
        raise RuntimeError(f"npy header of {path!r} has no room for shape ({length},)")
    header = b"\x93NUMPY\x01\x00" + struct.pack("<H", hlen) + (body.ljust(hlen - 1) + "\n").encode("latin1")
    with open(path, "r+b") as f:
        f.write(header)
        f.truncate(offset + length * dtype.itemsize)


def _remove_stale(out: str) -> None:
    parent, base = os.path.split(out)
    remove_stale(parent, (base + ".tmp-", base + ".old-"), KIND)


def _progress(progress, stage: str, done: int, total: Optional[int]) -> None:
    if progress is not None:
        progress(stage, done, total)


def build_disk_csr(edge_chunks: Iterable, num_nodes: int, out_dir, *, symmetrize: bool = True,
                   remove_self_loops: bool = True, remove_duplicates: bool = True,
                   bucket_bytes: int = DEFAULT_BUCKET_BYTES, progress: Optional[Callable] = None,
                   num_edges_hint: Optional[int] = None, source: str = "edge chunks",
                   overwrite: bool = False, scratch_dir: Optional[str] = None,
                   id_dtype=None) -> DiskCSR:
    """Build the on-disk CSR of ``edge_chunks`` (int [2, c]: row 0 sources, row 1 targets) in ``out_dir``.

    Args:
        num_nodes: ids must lie in ``[0, num_nodes)``.
        symmetrize: add every edge in both directions (default: True).
        remove_self_loops / remove_duplicates: drop them (default: True / True).
        bucket_bytes: memory for one bucket in the sort phase, and for the spill
            buffer (default: 512 MiB); sets the number of buckets together with
            ``num_edges_hint`` (the number of input edges, if known).
        progress: ``progress(stage, done, total)`` with stage "read" (input edges)
            then "sort" (buckets); ``total`` may be None.
        source: names the input in error messages and ``meta.json``.
        overwrite: replace an existing CSR at ``out_dir`` (only once the new one is complete).
        scratch_dir: where the spill file goes (default: inside the new directory).
        id_dtype: dtype of ``col`` (default: int32 below 2**31 nodes, else int64).
    """
    n = int(num_nodes)
    dtype = default_id_dtype(n) if id_dtype is None else np.dtype(id_dtype)
    if dtype not in (np.dtype(np.int32), np.dtype(np.int64)) or (dtype == np.int32 and n >= 2**31):
        raise ValueError(f"id_dtype must be int64, or int32 below 2**31 nodes, got {dtype} for {n} nodes")
    if n <= 0:
        raise ValueError(f"num_nodes must be > 0, got {num_nodes}")
    out = os.path.abspath(os.fspath(out_dir))
    if os.path.exists(out) and not overwrite:
        raise ValueError(f"on-disk CSR target must not exist (pass overwrite to replace it), got existing {out!r}")
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    _remove_stale(out)
    tmp = f"{out}.tmp-{uuid.uuid4().hex[:8]}"
    mark_owned(tmp, KIND)
    spill_path = os.path.join(scratch_dir or tmp, f"spill-{uuid.uuid4().hex[:8]}.bin")
    try:
        meta = _build(edge_chunks, n, dtype, tmp, spill_path, symmetrize, remove_self_loops, remove_duplicates,
                      int(bucket_bytes), progress, num_edges_hint, source)
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
        _commit(tmp, out, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if os.path.exists(spill_path):
            os.remove(spill_path)
    return DiskCSR.open(out)


def _commit(tmp: str, out: str, overwrite: bool) -> None:
    if os.path.exists(out):
        if not overwrite:
            raise ValueError(f"on-disk CSR target appeared while building, got existing {out!r}")
        if not is_owned(out, KIND):
            raise ValueError(f"refusing to replace {out!r}: expected an on-disk CSR distgnn wrote, got something else")
        old = f"{out}.old-{uuid.uuid4().hex[:8]}"
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def _build(edge_chunks, n, dtype, tmp, spill_path, symmetrize, remove_self_loops, remove_duplicates, bucket_bytes,
           progress, num_edges_hint, source) -> dict:
    width, nb, per_group = _plan(n, num_edges_hint, symmetrize, bucket_bytes)
    spill = BucketSpill(spill_path, width, nb, dtype, bucket_bytes // (6 * dtype.itemsize))
    seen = 0
    try:
        for c in edge_chunks:
            c = _checked_chunk(c, n, seen, source)
            dst, src = _directed_entries(c, dtype, symmetrize, remove_self_loops)
            spill.add(dst, src)
            seen += c.shape[1]
            _progress(progress, "read", seen, num_edges_hint)
    finally:
        spill.close()
    total = int(spill.bucket_sizes.sum())
    rowptr = np.lib.format.open_memmap(os.path.join(tmp, "rowptr.npy"), mode="w+", dtype=np.int64, shape=(n + 1,))
    col_path = os.path.join(tmp, "col.npy")
    offset = _write_npy_header(col_path, dtype, total)
    rowptr[0] = 0
    m = 0
    with open(col_path, "r+b") as f:
        f.seek(offset)
        groups = bucket_groups(spill.bucket_sizes, per_group)
        for g, (b0, b1) in enumerate(groups):
            size = int(spill.bucket_sizes[b0:b1].sum())
            glo, ghi = b0 * width, min(b1 * width, n)
            ranges = [(glo, ghi)] if size <= per_group else row_ranges(glo, ghi, size, per_group)
            for lo, hi in ranges:
                if len(ranges) == 1:
                    dst, src = spill.read_buckets(b0, b1)
                else:
                    dst, src = spill.read_rows(b0, b1, lo, hi)
                lens, cols = bucket_rows(dst, src, dtype.type(lo), hi - lo, remove_duplicates)
                del dst, src
                rowptr[lo + 1:hi + 1] = m + np.cumsum(lens)
                try:
                    _col_write(f, cols)
                except OSError as exc:
                    raise OSError(f"could not write the CSR columns to {col_path!r}: expected to write "
                                  f"{cols.nbytes} bytes, got {exc} (is the disk full?)") from None
                m += cols.shape[0]
            _progress(progress, "sort", g + 1, len(groups))
    rowptr.flush()
    del rowptr
    _shrink_npy(col_path, dtype, m, offset)
    return {"format": FORMAT, "num_nodes": n, "num_edges": m, "id_dtype": dtype.name, "symmetrized": bool(symmetrize),
            "deduplicated": bool(remove_duplicates), "self_loops_removed": bool(remove_self_loops),
            "source": str(source), "input_edges": seen, "buckets": len(groups)}


def csr_from_edges(edge_index: np.ndarray, num_nodes: int, *, symmetrize: bool = True,
                   remove_self_loops: bool = True, remove_duplicates: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """In-memory reference: ``(rowptr int64[n+1], col)`` of the same CSR :func:`build_disk_csr` writes."""
    from .ingest import clean_edges

    ei = clean_edges(np.asarray(edge_index, np.int64), num_nodes, symmetrize=symmetrize,
                     remove_self_loops=remove_self_loops, remove_duplicates=remove_duplicates)
    order = np.lexsort((ei[0], ei[1]))
    rowptr = np.zeros(num_nodes + 1, np.int64)
    np.cumsum(np.bincount(ei[1], minlength=num_nodes), out=rowptr[1:])
    return rowptr, ei[0][order].astype(default_id_dtype(num_nodes))
