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
from typing import Callable, Iterable, Iterator, List, Optional, Tuple

import numpy as np
from numba import njit

from distgnn.ownership import mark_owned, pid_alive, read_marker

__all__ = ["DiskCSR", "build_disk_csr", "csr_from_edges", "FORMAT", "DEFAULT_BUCKET_BYTES"]

FORMAT = "distgnn-disk-csr-1"
KIND = "disk_csr"
DEFAULT_BUCKET_BYTES = 512 << 20
_BYTES_PER_ENTRY = 24  # sort phase: dst + src + output + slack, per directed entry (int32 ids)


def _id_dtype(num_nodes: int) -> np.dtype:
    return np.dtype(np.int32) if num_nodes < 2**31 else np.dtype(np.int64)


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


# ----------------------------------------------------------------------------------------------
# numba kernels


@njit(cache=True)
def _scatter_by_bucket(dst, src, width, nb):
    """Counting sort of (dst, src) by bucket ``dst // width``; returns sorted copies and offsets int64[nb+1]."""
    m = dst.shape[0]
    off = np.zeros(nb + 1, np.int64)
    for e in range(m):
        off[dst[e] // width + 1] += 1
    for b in range(nb):
        off[b + 1] += off[b]
    pos = off[:-1].copy()
    od = np.empty_like(dst)
    osrc = np.empty_like(src)
    for e in range(m):
        b = dst[e] // width
        p = pos[b]
        od[p] = dst[e]
        osrc[p] = src[e]
        pos[b] = p + 1
    return od, osrc, off


@njit(cache=True)
def _sort_row(a):
    if a.shape[0] < 24:
        for i in range(1, a.shape[0]):
            v = a[i]
            j = i - 1
            while j >= 0 and a[j] > v:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = v
    else:
        a.sort()


@njit(cache=True)
def _bucket_rows(dst, src, lo, nrows, dedup):
    """CSR of one bucket (rows lo .. lo+nrows): row counts int64[nrows] and the sorted sources."""
    counts = np.zeros(nrows + 1, np.int64)
    for e in range(dst.shape[0]):
        counts[dst[e] - lo + 1] += 1
    for r in range(nrows):
        counts[r + 1] += counts[r]
    pos = counts[:-1].copy()
    out = np.empty_like(src)
    for e in range(dst.shape[0]):
        r = dst[e] - lo
        out[pos[r]] = src[e]
        pos[r] += 1
    lens = np.zeros(nrows, np.int64)
    k = 0
    for r in range(nrows):
        a, b = counts[r], counts[r + 1]
        row = out[a:b]
        _sort_row(row)
        start = k
        for i in range(b - a):
            if dedup and k > start and out[k - 1] == row[i]:
                continue
            out[k] = row[i]
            k += 1
        lens[r] = k - start
    return lens, out[:k]


# ----------------------------------------------------------------------------------------------
# spill file


def _spill_write(f, arr: np.ndarray) -> None:
    """Append ``arr`` to the spill file (the one place scratch bytes are written)."""
    arr.tofile(f)


def _col_write(f, arr: np.ndarray) -> None:
    """Append a bucket's sources to ``col.npy``."""
    arr.tofile(f)


class _Spill:
    """Blocks of bucket-sorted (dst, src) appended to one scratch file, with per-block bucket offsets."""

    def __init__(self, path: str, width: int, nb: int, dtype: np.dtype, buffer_entries: int) -> None:
        self.path, self.width, self.nb, self.dtype = path, width, nb, dtype
        self.buffer_entries = max(int(buffer_entries), 1)
        self.f = open(path, "wb")
        self.blocks: List[Tuple[int, int, np.ndarray]] = []  # (file offset, entries, bucket offsets)
        self.pending: List[Tuple[np.ndarray, np.ndarray]] = []
        self.held = 0
        self.pos = 0
        self.bucket_sizes = np.zeros(nb, np.int64)

    def add(self, dst: np.ndarray, src: np.ndarray) -> None:
        if dst.shape[0]:
            self.pending.append((dst, src))
            self.held += dst.shape[0]
        if self.held >= self.buffer_entries:
            self.flush()

    def flush(self) -> None:
        if not self.held:
            return
        dst = np.concatenate([p[0] for p in self.pending])
        src = np.concatenate([p[1] for p in self.pending])
        self.pending, self.held = [], 0
        od, osrc, off = _scatter_by_bucket(dst, src, self.dtype.type(self.width), self.nb)
        del dst, src
        m = od.shape[0]
        try:
            _spill_write(self.f, od)
            _spill_write(self.f, osrc)
        except OSError as exc:
            raise OSError(f"could not spill edge buckets to {self.path!r}: expected to write "
                          f"{2 * m * self.dtype.itemsize} bytes, got {exc} (is the disk full?)") from None
        self.blocks.append((self.pos, m, off))
        self.bucket_sizes += np.diff(off)
        self.pos += 2 * m * self.dtype.itemsize

    def close(self) -> None:
        self.flush()
        self.f.close()

    def read_buckets(self, b0: int, b1: int) -> Tuple[np.ndarray, np.ndarray]:
        """(dst, src) of the fine buckets ``b0 .. b1-1`` (consecutive destination ranges)."""
        total = int(self.bucket_sizes[b0:b1].sum())
        dst = np.empty(total, self.dtype)
        src = np.empty(total, self.dtype)
        isz = self.dtype.itemsize
        at = 0
        with open(self.path, "rb", buffering=0) as f:
            for base, m, off in self.blocks:
                cnt = int(off[b1] - off[b0])
                if not cnt:
                    continue
                for arr, start in ((dst, base + int(off[b0]) * isz), (src, base + (m + int(off[b0])) * isz)):
                    f.seek(start)
                    view = arr[at:at + cnt].view(np.uint8)
                    if f.readinto(view) != view.shape[0]:
                        raise OSError(f"spill file {self.path!r} is shorter than written (buckets {b0}..{b1 - 1})")
                at += cnt
        return dst, src


    def read_rows(self, b0: int, b1: int, lo: int, hi: int, piece: int = 1 << 22) -> Tuple[np.ndarray, np.ndarray]:
        """(dst, src) of buckets ``b0 .. b1-1`` with ``lo <= dst < hi``, read ``piece`` entries at a time
        (a bucket too large for memory is sorted in several row ranges, each reading it again)."""
        isz = self.dtype.itemsize
        dsts, srcs = [], []
        with open(self.path, "rb", buffering=0) as f:
            for base, m, off in self.blocks:
                a, b = int(off[b0]), int(off[b1])
                for s0 in range(a, b, piece):
                    cnt = min(piece, b - s0)
                    d = np.empty(cnt, self.dtype)
                    t = np.empty(cnt, self.dtype)
                    for arr, start in ((d, base + s0 * isz), (t, base + (m + s0) * isz)):
                        f.seek(start)
                        if f.readinto(arr.view(np.uint8)) != cnt * isz:
                            raise OSError(f"spill file {self.path!r} is shorter than written (buckets {b0}..{b1 - 1})")
                    keep = (d >= lo) & (d < hi)
                    dsts.append(d[keep])
                    srcs.append(t[keep])
        if not dsts:
            return np.empty(0, self.dtype), np.empty(0, self.dtype)
        return np.concatenate(dsts), np.concatenate(srcs)


def _row_ranges(lo: int, hi: int, size: int, cap: int) -> List[Tuple[int, int]]:
    """``[lo, hi)`` cut into equal id ranges so each holds about ``cap`` entries on average."""
    parts = int(min(max(-(-size // max(cap, 1)), 1), hi - lo))
    cuts = np.linspace(lo, hi, parts + 1).round().astype(np.int64)
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]


def _groups(sizes: np.ndarray, cap: int) -> List[Tuple[int, int]]:
    """Consecutive fine buckets grouped so a group holds at most ``cap`` entries (or one bucket)."""
    out, b0, held = [], 0, 0
    for b in range(sizes.shape[0]):
        if b > b0 and held + int(sizes[b]) > cap:
            out.append((b0, b))
            b0, held = b, 0
        held += int(sizes[b])
    out.append((b0, sizes.shape[0]))
    return out


# ----------------------------------------------------------------------------------------------
# building


def _checked_chunk(c, n: int, seen: int, source: str) -> np.ndarray:
    if hasattr(c, "numpy") and not isinstance(c, np.ndarray):
        c = c.numpy()
    c = np.asarray(c)
    if c.ndim != 2 or c.shape[0] != 2:
        raise ValueError(f"edge chunks must have shape [2, c], got {list(c.shape)} at edge {seen} of {source}")
    if not np.issubdtype(c.dtype, np.integer) or c.dtype == np.bool_:
        raise TypeError(f"edge chunks must hold integer ids, got dtype {c.dtype} at edge {seen} of {source}")
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
    for name in os.listdir(parent):
        if name.startswith(base + ".tmp-") or name.startswith(base + ".old-"):
            full = os.path.join(parent, name)
            rec = read_marker(full)
            if rec is not None and rec.get("kind") == KIND and not pid_alive(rec.get("pid", -1)):
                shutil.rmtree(full, ignore_errors=True)


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
    dtype = _id_dtype(n) if id_dtype is None else np.dtype(id_dtype)
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
        rec = read_marker(out)
        if rec is None or rec.get("kind") != KIND:
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
    spill = _Spill(spill_path, width, nb, dtype, bucket_bytes // (6 * dtype.itemsize))
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
        groups = _groups(spill.bucket_sizes, per_group)
        for g, (b0, b1) in enumerate(groups):
            size = int(spill.bucket_sizes[b0:b1].sum())
            glo, ghi = b0 * width, min(b1 * width, n)
            ranges = [(glo, ghi)] if size <= per_group else _row_ranges(glo, ghi, size, per_group)
            for lo, hi in ranges:
                if len(ranges) == 1:
                    dst, src = spill.read_buckets(b0, b1)
                else:
                    dst, src = spill.read_rows(b0, b1, lo, hi)
                lens, cols = _bucket_rows(dst, src, dtype.type(lo), hi - lo, remove_duplicates)
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
    return rowptr, ei[0][order].astype(_id_dtype(num_nodes))
