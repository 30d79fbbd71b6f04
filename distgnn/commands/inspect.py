"""``distgnn inspect``."""
import argparse

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser("inspect", help="(not available yet)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    raise ValueError("'distgnn inspect' is not available in this build")
