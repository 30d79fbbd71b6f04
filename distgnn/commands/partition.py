"""``distgnn partition INPUT --num-parts K --out STORE``: partition a graph into a Zarr store."""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
from tqdm import tqdm

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "partition", help="partition a graph into a Zarr store of shards",
        description="Partition INPUT (an edge list: .parquet .csv .tsv .txt .arrow .feather .npy, or a "
                    "generator spec rmat:SCALE[:EF], planted:N:K[:DEG], grid:H:W) into K parts and "
                    "write one Zarr store.")
    p.add_argument("input", metavar="INPUT")
    p.add_argument("--num-parts", "-k", type=int, required=True, metavar="K")
    p.add_argument("--out", "-o", required=True, metavar="STORE")
    p.add_argument("--method", default="metis", help="metis | graclus | random | stream (default metis)")
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


def _load_graph(args, bar):
    from distgnn.partition.ingest import clean_edges, load_edge_index
    from distgnn.partition.sources import generate, is_generator_spec

    if is_generator_spec(args.input):
        ei, n, _ = generate(args.input, args.seed)
        n = args.num_nodes or n
    else:
        with tqdm(desc="read edges", unit="edge", unit_scale=True, disable=args.quiet, leave=False) as rb:
            ei, n = load_edge_index(args.input, args.num_nodes, progress=rb.update)
    bar.update(1)
    ei = clean_edges(ei, n, symmetrize=not args.no_symmetrize, remove_self_loops=not args.keep_self_loops,
                     remove_duplicates=not args.keep_duplicates)
    return ei, n


def _run(args: argparse.Namespace) -> int:
    from distgnn.partition import METHODS, open_store, partition_graph, write_store
    from distgnn.partition.ingest import read_node_array
    from distgnn.partition.store import check_target

    if args.method not in METHODS:
        raise ValueError(f"--method must be one of {', '.join(METHODS)}, got {args.method!r}")
    check_target(args.out, args.overwrite)  # refuse early, before any work
    t0 = time.perf_counter()
    stages = ["read", "partition", "write"]
    with tqdm(total=len(stages), desc="partition", unit="stage", disable=args.quiet) as bar:
        bar.set_postfix_str("read")
        ei, n = _load_graph(args, bar)
        x = read_node_array(args.features, n, "features") if args.features else None
        y = read_node_array(args.labels, n, "labels") if args.labels else None
        masks = _read_masks(args.masks, n)
        bar.set_postfix_str(f"{args.method} k={args.num_parts}")
        opts = {} if args.method in ("random",) else {"imbalance": args.imbalance}
        part = partition_graph(ei, n, args.num_parts, method=args.method, seed=args.seed, **opts)
        bar.update(1)
        bar.set_postfix_str("write")
        write_store(args.out, ei, n, part, x=x, y=y, masks=masks, method=args.method, seed=args.seed,
                    overwrite=args.overwrite, keep_edge_ids=args.keep_edge_ids,
                    x_dtype=args.feature_dtype,
                    extra_meta={"symmetrized": not args.no_symmetrize, "source": os.path.basename(args.input)})
        bar.update(1)
    s = open_store(args.out)
    m = s.meta
    print(f"wrote {s.path}: {m['num_nodes']} nodes, {m['num_edges']} edges, {m['num_parts']} parts, "
          f"edge cut {m['edge_cut']} ({100 * m['edge_cut_fraction']:.1f}%), balance {m['balance']:.3f}, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0
