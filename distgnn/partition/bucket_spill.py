"""Spilling directed entries to disk bucketed by destination range, and reading buckets back.

The two halves of :func:`~distgnn.partition.disk_csr.build_disk_csr`'s bounded-memory
sort: :class:`BucketSpill` counting-sorts buffered (dst, src) blocks by bucket
(``dst // width``) and appends them to one scratch file; :func:`bucket_rows` turns
one group of buckets read back into CSR rows (sorted, optionally deduplicated).
Pure numba kernels plus one scratch file; no knowledge of the CSR directory.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np
from numba import njit

__all__ = ["BucketSpill", "scatter_by_bucket", "bucket_rows", "bucket_groups", "row_ranges"]


# ----------------------------------------------------------------------------------------------
# numba kernels


@njit(cache=True)
def scatter_by_bucket(dst, src, width, nb):
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
def bucket_rows(dst, src, lo, nrows, dedup):
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


class BucketSpill:
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
        od, osrc, off = scatter_by_bucket(dst, src, self.dtype.type(self.width), self.nb)
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


def row_ranges(lo: int, hi: int, size: int, cap: int) -> List[Tuple[int, int]]:
    """``[lo, hi)`` cut into equal id ranges so each holds about ``cap`` entries on average."""
    parts = int(min(max(-(-size // max(cap, 1)), 1), hi - lo))
    cuts = np.linspace(lo, hi, parts + 1).round().astype(np.int64)
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]


def bucket_groups(sizes: np.ndarray, cap: int) -> List[Tuple[int, int]]:
    """Consecutive fine buckets grouped so a group holds at most ``cap`` entries (or one bucket)."""
    out, b0, held = [], 0, 0
    for b in range(sizes.shape[0]):
        if b > b0 and held + int(sizes[b]) > cap:
            out.append((b0, b))
            b0, held = b, 0
        held += int(sizes[b])
    out.append((b0, sizes.shape[0]))
    return out
