"""``distgnn export RUN_DIR --what embeddings|predictions --out FILE.parquet|DIR.zarr``."""
from __future__ import annotations

import argparse
import time

__all__ = ["register"]

_DESCRIPTION = """\
Write a run's per-node results keyed by the original node ids, chunk by chunk
(tables larger than memory stream out): Node2Vec embeddings from the newest
checkpoint, or for graphsage / cluster_gcn runs the last hidden layer
(embeddings) or the predicted class (predictions) of `distgnn infer RUN_DIR`.
Parquet: columns id and embedding (fixed-size list) or prediction; Zarr: arrays
of the same names."""


def register(subparsers) -> None:
    p = subparsers.add_parser("export", help="write embeddings or predictions keyed by node id",
                              description=_DESCRIPTION,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="run directory of `distgnn train`")
    p.add_argument("--what", required=True, choices=("embeddings", "predictions"))
    p.add_argument("--out", required=True, metavar="FILE.parquet|DIR.zarr")
    p.add_argument("--chunk-rows", type=int, default=1 << 16,
                   help="rows per Parquet row group / Zarr chunk (default 65536)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from distgnn.jobs.export import export_run

    if args.chunk_rows < 1:
        raise ValueError(f"--chunk-rows must be >= 1, got {args.chunk_rows}")
    t0 = time.perf_counter()
    info = export_run(args.run_dir, args.what, args.out, overwrite=args.overwrite,
                      chunk_rows=args.chunk_rows)
    shape = f"{info['rows']:,} rows" + (f" x {info['dim']}" if info["dim"] else "")
    print(f"export: {args.what}, {shape} -> {info['path']} ({info['format']}, "
          f"{time.perf_counter() - t0:.1f} s)")
    return 0
