"""``distgnn infer RUN_DIR``: layer-wise inference of a trained model over every node."""
from __future__ import annotations

import argparse
import time

__all__ = ["register"]

_DESCRIPTION = """\
Apply the model of a finished graphsage or cluster_gcn run to every node of its
store, one layer at a time with full neighbourhoods (exact, unlike sampled
mini-batches), writing each layer's output to RUN_DIR/inference.zarr in the
store's numbering. `distgnn export RUN_DIR` then writes embeddings or
predictions keyed by the original node ids."""


def register(subparsers) -> None:
    p = subparsers.add_parser("infer", help="layer-wise inference of a trained model on all nodes",
                              description=_DESCRIPTION,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="run directory of `distgnn train`")
    p.add_argument("--workers", "-w", type=int, default=1,
                   help="inference workers; more than one run as Ray actors over shard servers "
                        "(default 1, in this process)")
    p.add_argument("--batch-size", type=int, default=4096,
                   help="target nodes per step, also the output's chunk height (default 4096)")
    p.add_argument("--device", default="cpu", help="torch device of the workers, e.g. cuda (default cpu)")
    p.add_argument("--cache-mb", type=float, default=None,
                   help="feature cache per worker in MB (default: the run's sampler.cache_mb, or 0)")
    p.add_argument("--out", default=None, help="output directory (default RUN_DIR/inference.zarr)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from distgnn.jobs.infer import infer_run

    if args.workers < 1 or args.batch_size < 1:
        raise ValueError(f"--workers and --batch-size must be >= 1, got {args.workers} and "
                         f"{args.batch_size}")
    t0 = time.perf_counter()
    meta = infer_run(args.run_dir, num_workers=args.workers, batch_size=args.batch_size,
                     device=args.device, cache_mb=args.cache_mb, out=args.out)
    print(f"inference: {meta['num_layers']} layers over {meta['num_nodes']:,} nodes by "
          f"{args.workers} worker(s) in {time.perf_counter() - t0:.1f} s; widths {meta['dims']}")
    return 0
