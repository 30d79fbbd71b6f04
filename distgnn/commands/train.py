"""``distgnn train CONFIG.yaml [-p key=value ...]``: run a whole training job."""
from __future__ import annotations

import argparse

__all__ = ["register"]

_DESCRIPTION = """\
Run a whole job: generate or read a graph, partition it into a Zarr store, start
sampler actors and training replicas on Ray, train, evaluate, and write
checkpoints, metrics.csv, plot.png and summary.json to run.dir.

With no cluster address Ray starts in-process; with $RAY_ADDRESS (or run.ray_address)
set, or under `ray job submit`, the job joins that cluster."""

_EPILOG_HEAD = """\
examples:
  distgnn train examples/configs/cluster_gcn.yaml -p run.epochs=1 -p scaling.num_workers=2
  distgnn train examples/configs/node2vec.yaml -p sampler.batch_size=256 -p run.dir=runs/n2v
  distgnn train examples/configs/cluster_gcn.yaml --resume

config keys (YAML sections; override any with -p key=value, values read as YAML):
"""


def register(subparsers) -> None:
    from distgnn.config import format_keys

    p = subparsers.add_parser(
        "train", help="run a training job from a YAML config",
        description=_DESCRIPTION, epilog=_EPILOG_HEAD + format_keys(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="YAML config file (see examples/configs/)")
    p.add_argument("-p", "--param", dest="overrides", action="append", default=[],
                   metavar="KEY=VALUE",
                   help="override a config key, e.g. -p run.epochs=1 -p sampler.num_neighbors[1]=5")
    p.add_argument("--resume", action="store_true",
                   help="continue from the latest checkpoint in run.dir (= -p run.resume=true)")
    p.add_argument("--print-config", action="store_true",
                   help="print the resolved config as YAML and exit")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from distgnn.config import config_to_dict, load_config

    overrides = list(args.overrides) + (["run.resume=true"] if args.resume else [])
    cfg = load_config(args.config, overrides)
    if args.print_config:
        import yaml
        print(yaml.safe_dump(config_to_dict(cfg), sort_keys=False), end="")
        return 0
    from distgnn.jobs import run_job
    run_job(cfg)
    return 0
