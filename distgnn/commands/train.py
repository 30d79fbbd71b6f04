"""``distgnn train [CONFIG.yaml] [-p key=value ...]``: run a whole training job."""
from __future__ import annotations

import argparse

__all__ = ["register"]

_DESCRIPTION = """\
Run a whole job: generate or read a graph, partition it into a Zarr store, start
sampler actors and training replicas on Ray, train, evaluate, and write
checkpoints, metrics.csv, plot.png and summary.json to run.dir.

With no cluster address Ray starts in-process; with $RAY_ADDRESS (or run.ray_address)
set, or under `ray job submit`, the job joins that cluster."""

_EXAMPLES = """\
examples:
  distgnn train examples/configs/cluster_gcn.yaml -p run.epochs=1 -p scaling.num_workers=2
  distgnn train examples/configs/node2vec.yaml -p sampler.batch_size=256 -p run.dir=runs/n2v
  distgnn train examples/configs/cluster_gcn.yaml --resume
  distgnn train -p job=graphsage -p run.epochs=5   (no file: the defaults, a generated graph)
  distgnn train --help --job node2vec       (the keys of job node2vec)
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="run a training job from a YAML config", add_help=False,
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", help="YAML config file (see examples/configs/; "
                   "none: every key at its default, the job's graph generated)")
    p.add_argument("-h", "--help", action="store_true",
                   help="show this help and the config keys of the job (see --job) and exit")
    p.add_argument("--job", metavar="NAME", help="with --help: list the keys of job NAME "
                   "(default: the config's job, else cluster_gcn)")
    p.add_argument("-p", "--param", dest="overrides", action="append", default=[],
                   metavar="KEY=VALUE",
                   help="override a config key, e.g. -p run.epochs=1 -p run.lr=0.02")
    p.add_argument("--resume", action="store_true",
                   help="continue from the latest checkpoint in run.dir (= -p run.resume=true)")
    p.add_argument("--print-config", action="store_true",
                   help="print the resolved config as YAML and exit")
    p.set_defaults(func=_run, parser=p)


def _help_job(args: argparse.Namespace) -> str:
    from distgnn.config import DEFAULT_JOB, read_yaml

    if args.job:
        return args.job
    if args.config:
        return str(read_yaml(args.config).get("job", DEFAULT_JOB))
    return DEFAULT_JOB


def _job_line(spec) -> str:
    """One job of the job list: its name, what it does, and what its defaults gave."""
    import textwrap

    line = f"  {spec.name:<14} {spec.help}"
    if spec.measured:
        line += "\n" + textwrap.fill(f"defaults, measured: {spec.measured}", width=92,
                                     initial_indent=" " * 17, subsequent_indent=" " * 19)
    return line


def _help(args: argparse.Namespace) -> str:
    from distgnn.config import format_keys, get_job, job_names

    spec = get_job(_help_job(args))
    jobs = "\n".join(_job_line(get_job(name)) for name in job_names())
    return (f"{args.parser.format_help()}\njobs (job: NAME):\n{jobs}\n\n{_EXAMPLES}\n"
            f"config keys of job {spec.name} (YAML sections; override any with -p key=value, "
            f"values read as YAML):\n{format_keys(spec.name)}\n")


def _run(args: argparse.Namespace) -> int:
    from distgnn.config import config_to_dict, load_config

    if args.help:
        print(_help(args), end="")
        return 0
    overrides = list(args.overrides) + (["run.resume=true"] if args.resume else [])
    cfg = load_config(args.config, overrides)
    if args.print_config:
        import yaml
        print(yaml.safe_dump(config_to_dict(cfg), sort_keys=False), end="")
        return 0
    from distgnn.commands.errors import log_failures_to
    from distgnn.commands.preflight import check_train
    from distgnn.jobs import run_job
    check_train(cfg)  # a generated graph that cannot fit in memory: refused before any work
    log_failures_to(cfg.run.dir)  # the full report of a failure goes to the run directory
    run_job(cfg)
    return 0
