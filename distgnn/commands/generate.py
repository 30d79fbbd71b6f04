"""``distgnn generate SPEC --out edges.parquet``: write a synthetic graph without holding it in memory."""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
from tqdm import tqdm

from distgnn.generator_defaults import PLANTED_DEFAULTS

__all__ = ["register", "write_planted_nodes"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "generate", help="write a synthetic graph as a Parquet edge list, chunk by chunk",
        description="Write the raw sampled edges of SPEC (rmat:SCALE[:EF], edge factor 16 by default; "
                    "planted:N:K[:DEG], average degree 10 by default; grid:H:W) as Parquet row groups "
                    "(columns src, dst). Seeded: the same graph whatever --chunk-rows. Raw means "
                    "directed, with duplicates and self loops; `distgnn partition` symmetrises and "
                    "cleans them. planted also writes <stem>_features.npy, <stem>_labels.npy and "
                    "<stem>_{train,val,test}_mask.npy beside OUT.")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--out", "-o", required=True, metavar="EDGES.parquet")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--chunk-rows", type=int, default=1 << 22, help="edges per Parquet row group (default 4194304)")
    d = PLANTED_DEFAULTS
    p.add_argument("--num-features", type=int, default=d["num_features"],
                   help=f"planted: feature columns (default {d['num_features']})")
    p.add_argument("--feature-noise", type=float, default=d["feature_noise"],
                   help=f"planted: noise std (default {d['feature_noise']})")
    p.add_argument("--train-per-class", type=int, default=d["train_per_class"],
                   help=f"planted: training nodes per class (default {d['train_per_class']})")
    p.add_argument("--num-val", type=int, default=d["num_val"],
                   help=f"planted: validation nodes (default {d['num_val']})")
    p.add_argument("--num-test", type=int, default=d["num_test"],
                   help=f"planted: test nodes (default {d['num_test']})")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _node_paths(out: str) -> dict:
    stem = os.path.splitext(out)[0]
    return {k: f"{stem}_{k}.npy" for k in ("features", "labels", "train_mask", "val_mask", "test_mask")}


def _save_atomic(path: str, arr: np.ndarray) -> None:
    tmp = path + ".tmp.npy"
    try:
        np.save(tmp, arr)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_planted_nodes(out: str, blocks: np.ndarray, num_blocks: int, args) -> dict:
    """Features (written in row blocks through a memory map), labels and masks beside ``out``."""
    from distgnn.data import generators as gen

    paths = _node_paths(out)
    n = blocks.shape[0]
    tmp = paths["features"] + ".tmp.npy"
    try:
        x = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, args.num_features))
        row = 0
        for rows in gen.planted_feature_chunks(blocks, num_blocks, args.num_features, args.feature_noise,
                                               seed=args.seed):
            x[row:row + rows.shape[0]] = rows
            row += rows.shape[0]
        x.flush()
        del x
        os.replace(tmp, paths["features"])
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _save_atomic(paths["labels"], blocks.astype(np.int64))
    masks = gen.planted_masks(blocks, num_blocks, args.train_per_class, args.num_val, args.num_test, args.seed)
    for name, m in zip(("train_mask", "val_mask", "test_mask"), masks):
        _save_atomic(paths[name], m)
    return paths


def _run(args: argparse.Namespace) -> int:
    from distgnn.partition.ingest import write_edge_parquet
    from distgnn.partition.sources import is_generator_spec, open_source, parse_spec

    if not is_generator_spec(args.spec):
        raise ValueError(f"SPEC must be rmat:SCALE[:EF], planted:N:K[:DEG] or grid:H:W, got {args.spec!r}")
    if not args.out.endswith((".parquet", ".pq")):
        raise ValueError(f"--out must end in .parquet, got {args.out!r}")
    if args.chunk_rows <= 0:
        raise ValueError(f"--chunk-rows must be > 0, got {args.chunk_rows}")
    name, nums = parse_spec(args.spec)
    targets = [args.out] + (list(_node_paths(args.out).values()) if name == "planted" else [])
    taken = [t for t in targets if os.path.exists(t)]
    if taken and not args.overwrite:
        raise ValueError(f"output must not exist (use --overwrite to replace it), got existing {taken[0]!r}")
    t0 = time.perf_counter()
    src = open_source(args.spec, seed=args.seed)
    with tqdm(total=src.num_rows, desc="generate", unit="edge", unit_scale=True, disable=args.quiet) as bar:
        m = write_edge_parquet(src.chunks(), args.out, src.num_nodes, row_group_rows=args.chunk_rows,
                               progress=bar.update)
    extra = ""
    if name == "planted":
        paths = write_planted_nodes(args.out, src.blocks, nums[1], args)
        extra = ", node files " + ", ".join(os.path.basename(p) for p in paths.values())
    print(f"wrote {args.out}: {src.num_nodes} nodes, {m} sampled edges (raw){extra}, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0
