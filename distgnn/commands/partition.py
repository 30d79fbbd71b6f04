"""``distgnn partition INPUT --num-parts K --out STORE``: partition a graph into a Zarr store.

INPUT -> on-disk CSR (bounded-memory ingest, :func:`distgnn.partition.build_csr.ingest`)
-> parts and store (:func:`distgnn.partition.build.build_store`: the method chosen, the
memory-mapped CSR partitioned, the store written part by part from the CSR).
"""
from __future__ import annotations

import argparse
import os
import time

from tqdm import tqdm

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "partition", help="partition a graph into a Zarr store of shards",
        description="Partition INPUT (an edge list: .parquet .csv .tsv .txt .arrow .feather .npy, a "
                    "generator spec rmat:SCALE[:EF], planted:N:K[:DEG], grid:H:W, or an on-disk CSR "
                    "directory) into K parts and write one Zarr store. Edges are ingested in chunks into "
                    "an on-disk CSR (memory: O(nodes) + one bucket), partitioned from its memory maps "
                    "and written part by part.")
    p.add_argument("input", metavar="INPUT")
    p.add_argument("--num-parts", "-k", type=int, required=True, metavar="K")
    p.add_argument("--out", "-o", required=True, metavar="STORE")
    p.add_argument("--method", default="auto",
                   help="auto | metis | graclus | kaminpar | out_of_core | random | stream (default auto: "
                        "metis while the graph is small enough and fits --memory-gb, then the first of KaMinPar "
                        "default and terapart that fits, then out_of_core (multilevel, coarsened on disk until "
                        "the coarse graph fits --memory-gb; 64 B per node), each run against stream and the "
                        "lower cut kept; else stream; prints what it picked and why)")
    p.add_argument("--passes", type=int, default=None,
                   help="stream: passes over the edges, each seeded by the last (restreaming; default 3)")
    p.add_argument("--memory-gb", type=float, default=None,
                   help="memory budget for methods auto and out_of_core (default: 80%% of the memory "
                        "available now)")
    p.add_argument("--kaminpar-context", default="default",
                   help="KaMinPar context: default | terapart (compressed input graph; its coarse graphs are "
                        "not) | any kaminpar.context_names() (default default)")
    p.add_argument("--threads", type=int, default=1,
                   help="KaMinPar threads (default 1: the same partition for the same seed; more threads "
                        "may give different partitions run to run)")
    p.add_argument("--csr", metavar="DIR", default=None,
                   help="keep the on-disk CSR in DIR (default: a scratch directory beside STORE, removed)")
    p.add_argument("--bucket-mb", type=int, default=512,
                   help="ingest memory for one bucket of edges, MiB (default 512)")
    p.add_argument("--chunk-rows", type=int, default=1 << 22, help="edges read per chunk (default 4194304)")
    p.add_argument("--features", metavar="F", help="node features (.npy or .parquet), [num_nodes, F]")
    p.add_argument("--labels", metavar="L", help="node labels (.npy or .parquet), [num_nodes]")
    p.add_argument("--masks", action="append", default=[], metavar="NAME=PATH|PARQUET",
                   help="a boolean node mask (repeatable); a .parquet without NAME= gives one mask per column")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--num-nodes", type=int, default=None, help="number of nodes (default: max id + 1)")
    p.add_argument("--imbalance", type=float, default=0.03, help="allowed imbalance (default 0.03 = 3%%)")
    p.add_argument("--no-symmetrize", action="store_true", help="keep the edges directed")
    p.add_argument("--keep-self-loops", action="store_true")
    p.add_argument("--keep-duplicates", action="store_true")
    p.add_argument("--overwrite", action="store_true", help="replace an existing store (after the new one is complete)")
    p.add_argument("--keep-edge-ids", action="store_true",
                   help="store each edge's position in the ingested edge list (8 bytes per edge); "
                        "without it edges are numbered in store order")
    p.add_argument("--feature-dtype", choices=("float32", "float16"), default="float32",
                   help="dtype the features are stored in (default float32)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.set_defaults(func=_run)


def _read_masks(specs, n: int) -> dict:
    from distgnn.partition.ingest import read_node_array

    masks = {}
    for spec in specs:
        if "=" in spec:
            name, path = spec.split("=", 1)
            if name in masks:
                raise ValueError(f"--masks: each mask name once, got {name!r} twice "
                                 f"(the second from {path!r})")
            masks[name] = read_node_array(path, n, f"mask {name!r}")
        else:
            import pyarrow.parquet as pq

            if not spec.endswith((".parquet", ".pq")):
                raise ValueError(f"--masks must be NAME=PATH or a .parquet file, got {spec!r}")
            arr = read_node_array(spec, n, "masks")
            names = pq.read_schema(spec).names
            arr = arr[:, None] if arr.ndim == 1 else arr
            masks.update({nm: arr[:, i] for i, nm in enumerate(names)})
    return masks


def _open_or_ingest(args, scratch: str):
    """The on-disk CSR of INPUT: opened when INPUT is one, else ingested into ``--csr`` or ``scratch``."""
    from distgnn.partition.disk_csr import DiskCSR
    from distgnn.partition.build_csr import ingest

    if os.path.isdir(args.input) and os.path.isfile(os.path.join(args.input, "meta.json")):
        return DiskCSR.open(args.input)
    if args.chunk_rows <= 0 or args.bucket_mb <= 0:
        raise ValueError(f"--chunk-rows and --bucket-mb must be > 0, got {args.chunk_rows} and {args.bucket_mb}")
    csr, _ = ingest(args.input, args.csr or scratch, num_nodes=args.num_nodes, seed=args.seed,
                    symmetrize=not args.no_symmetrize, remove_self_loops=not args.keep_self_loops,
                    remove_duplicates=not args.keep_duplicates, bucket_bytes=args.bucket_mb << 20,
                    chunk_rows=args.chunk_rows, quiet=args.quiet)
    return csr


def _run(args: argparse.Namespace) -> int:
    import shutil

    from distgnn.partition import METHODS, open_store
    from distgnn.partition.build import build_store
    from distgnn.partition.ingest import read_node_array
    from distgnn.partition.store import check_target

    if args.method not in METHODS:
        raise ValueError(f"--method must be one of {', '.join(METHODS)}, got {args.method!r}")
    if args.passes is not None and args.method not in ("auto", "stream"):
        raise ValueError(f"--passes is an option of --method stream (or auto), got --method {args.method}")
    final = check_target(args.out, args.overwrite)  # refuse early, before any work
    from distgnn.commands.preflight import check_partition
    check_partition(args)  # a known size that cannot fit in memory: refused now, not after minutes
    t0 = time.perf_counter()
    from distgnn.partition.scratch import remove_stale, scratch_path
    remove_stale(f"{final}.csr-")  # an earlier run's, killed
    scratch = scratch_path(f"{final}.csr-")
    try:
        with tqdm(total=3, desc="partition", unit="stage", disable=args.quiet) as bar:
            bar.set_postfix_str("ingest")
            csr = _open_or_ingest(args, scratch)
            n = csr.num_nodes
            bar.update(1)
            x = read_node_array(args.features, n, "features") if args.features else None
            y = read_node_array(args.labels, n, "labels") if args.labels else None
            masks = _read_masks(args.masks, n)
            bar.set_postfix_str(f"{args.method} k={args.num_parts}")
            options = {"imbalance": args.imbalance, "passes": args.passes, "context": args.kaminpar_context,
                       "threads": args.threads}
            build_store(csr, args.out, args.num_parts, method=args.method, seed=args.seed,
                        memory_gb=args.memory_gb, options=options, x=x, y=y, masks=masks,
                        overwrite=args.overwrite, keep_edge_ids=args.keep_edge_ids,
                        x_dtype=args.feature_dtype, verbose=not args.quiet,
                        extra_meta={"source": os.path.basename(os.path.normpath(args.input))},
                        log=lambda line: print(line, flush=True))
            bar.update(2)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    s = open_store(args.out)
    m = s.meta
    print(f"wrote {s.path}: {m['num_nodes']} nodes, {m['num_edges']} edges, {m['num_parts']} parts, "
          f"edge cut {m['edge_cut']} ({100 * m['edge_cut_fraction']:.1f}%), balance {m['balance']:.3f}, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0
