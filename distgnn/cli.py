"""The ``distgnn`` command line: ``distgnn generate | partition | inspect | train | infer | export``.

Each sub-command lives in :mod:`distgnn.commands` as a module with
``register(subparsers)``; the module is imported only when the command is listed,
so ``distgnn --help`` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = ("generate", "partition", "inspect", "train", "infer", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="distgnn",
        description="Distributed large-graph GNN training: generate graphs, partition them into "
                    "Zarr shards, inspect stores, train on Ray.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"distgnn.commands.{name}").register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from distgnn.commands.errors import run_command

    return run_command(lambda: args.func(args), args.command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
