"""``verify_store``: read every chunk of a store and check it against its checksum.

Opening a store already cross-checks its metadata and a part's chunk files;
this reads everything, chunk by chunk (memory: one chunk), and reports every
problem found rather than the first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, List, Tuple

import zarr

from ._zarr import StoreCorruptError, check_chunks, read_array

__all__ = ["VerifyReport", "verify_store"]


@dataclass
class VerifyReport:
    """What :func:`verify_store` read and what it found wrong."""

    path: str
    arrays: int = 0
    chunks: int = 0
    bytes: int = 0
    problems: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _arrays(group: zarr.Group, prefix: str = "") -> Iterator[Tuple[str, zarr.Array]]:
    for name, arr in sorted(group.arrays()):
        yield prefix + name, arr
    for name, sub in sorted(group.groups()):
        yield from _arrays(sub, f"{prefix}{name}/")


def _verify_array(name: str, arr: zarr.Array, report: VerifyReport) -> None:
    check_chunks(arr, name)
    step = arr.chunks[0]
    for start in range(0, arr.shape[0], step):
        block = read_array(arr, name, slice(start, start + step))
        report.chunks += 1
        report.bytes += block.nbytes


def verify_store(path) -> VerifyReport:
    """Open ``path`` and read every chunk of every array; returns a :class:`VerifyReport`."""
    from .reader import open_store

    report = VerifyReport(str(path))
    try:
        store = open_store(path)
    except StoreCorruptError as exc:
        report.problems.append(str(exc))
        return report
    report.path = store.path
    for p in range(store.num_parts):
        try:
            store.part(p)  # cross-checks its arrays' lengths and chunk files
        except StoreCorruptError as exc:
            report.problems.append(str(exc))
    root = zarr.open_group(store.path, mode="r")
    for top in ("book", "parts"):  # the root holds distgnn's marker file beside them
        for name, arr in _arrays(root[top], f"{top}/"):
            report.arrays += 1
            try:
                _verify_array(name, arr, report)
            except StoreCorruptError as exc:
                if str(exc) not in report.problems:  # already found when its part was opened
                    report.problems.append(str(exc))
    return report
