"""Edge file or generator spec -> on-disk CSR: the one ingest path of ``distgnn partition``.

Reads the input in chunks (:mod:`distgnn.partition.sources`) and buckets it into the
on-disk CSR (:mod:`distgnn.partition.disk_csr`); memory is O(num_nodes) plus one
bucket.
"""
from __future__ import annotations

import os
from typing import Optional

from .ingest import DEFAULT_CHUNK_ROWS, scan_num_nodes

__all__ = ["ingest"]


def _bars(quiet: bool):
    """A ``progress(stage, done, total)`` callback drawing one tqdm bar (rate, ETA) per stage."""
    from tqdm import tqdm

    bars = {}

    def progress(stage: str, done: int, total) -> None:
        bar = bars.get(stage)
        if bar is None:
            for other in bars.values():
                other.close()
            unit = "edge" if stage == "read" else "bucket"
            bar = bars[stage] = tqdm(total=total, desc=f"ingest {stage}", unit=unit, unit_scale=stage == "read",
                                     disable=quiet, leave=False)
        bar.update(done - bar.n)

    progress.close = lambda: [b.close() for b in bars.values()]
    return progress


def ingest(input, out_dir, *, num_nodes: Optional[int] = None, seed: int = 0, symmetrize: bool = True,
           remove_self_loops: bool = True, remove_duplicates: bool = True, bucket_bytes: Optional[int] = None,
           chunk_rows: int = DEFAULT_CHUNK_ROWS, overwrite: bool = False, quiet: bool = False):
    """Edge file (Parquet / CSV / Arrow / NumPy) or generator spec -> on-disk CSR at ``out_dir``.

    Reads in chunks (``chunk_rows`` edges), with a first pass for the number of
    nodes when ``num_nodes`` is not given and the input is a file; memory is
    O(num_nodes) plus one bucket (``bucket_bytes``, default 512 MiB). Returns
    ``(DiskCSR, EdgeSource)``; progress bars (rate, ETA) on stderr unless ``quiet``.
    """
    from tqdm import tqdm

    from .disk_csr import DEFAULT_BUCKET_BYTES, build_disk_csr
    from .sources import open_source

    src = open_source(os.fspath(input), seed=seed, num_nodes=num_nodes, chunk_rows=chunk_rows)
    if src.num_nodes is None:
        with tqdm(total=src.num_rows, desc="ingest scan ids", unit="edge", unit_scale=True, disable=quiet,
                  leave=False) as bar:
            src.num_nodes = scan_num_nodes(src.chunks(), src.description, bar.update)
    progress = _bars(quiet)
    try:
        csr = build_disk_csr(src.chunks(), src.num_nodes, out_dir, symmetrize=symmetrize,
                             remove_self_loops=remove_self_loops, remove_duplicates=remove_duplicates,
                             bucket_bytes=bucket_bytes or DEFAULT_BUCKET_BYTES, progress=progress,
                             num_edges_hint=src.num_rows, source=src.description, overwrite=overwrite)
    finally:
        progress.close()
    return csr, src
