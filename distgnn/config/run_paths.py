"""Paths in the config saved in a run directory are relative to that directory.

``distgnn train`` saves its resolved config as ``<run.dir>/config.yaml``. Paths
inside the run directory (``run.dir`` itself, a store under it) are written
relative to it and every other path absolute, and a config read from a run
directory distgnn wrote resolves its relative paths from there, so a copied
run directory resumed with ``distgnn train COPY/config.yaml --resume`` reads and
writes the copy, never the original.
"""
from __future__ import annotations

import copy
import os
from typing import Any, Callable, Dict, Optional

from distgnn.ownership import is_owned

__all__ = ["portable_paths", "resolve_paths", "run_dir_of", "RUN_KIND"]

#: marker kind of a run directory (see :mod:`distgnn.ownership`)
RUN_KIND = "run"
#: keys that always name a place (they may not exist yet)
_PLACES = (("run", "dir"), ("data", "output"), ("data", "store"))
#: keys that name input files when such a file exists (else they are left as written)
_FILES = (("data", "input"), ("data", "features"), ("data", "labels"))


def run_dir_of(config_path: str) -> Optional[str]:
    """The run directory holding ``config_path``, or None for a config kept anywhere else."""
    folder = os.path.dirname(os.path.abspath(config_path))
    return folder if is_owned(folder, RUN_KIND) else None


def _rewrite(tree: Dict[str, Any], fix: Callable[[str, bool], str]) -> Dict[str, Any]:
    out = copy.deepcopy(tree)
    for keys, place in [(k, True) for k in _PLACES] + [(k, False) for k in _FILES]:
        section = out.get(keys[0])
        if isinstance(section, dict) and isinstance(section.get(keys[1]), str):
            section[keys[1]] = fix(section[keys[1]], place)
    data = out.get("data")
    if isinstance(data, dict) and isinstance(data.get("masks"), list):
        data["masks"] = [_mask(spec, fix) for spec in data["masks"]]
    return out


def _mask(spec: Any, fix: Callable[[str, bool], str]) -> Any:
    """``NAME=PATH`` with its path fixed (anything else as it is)."""
    if not isinstance(spec, str) or "=" not in spec:
        return spec
    name, _, path = spec.partition("=")
    return f"{name}={fix(path.strip(), False)}"


def portable_paths(tree: Dict[str, Any], run_dir: str) -> Dict[str, Any]:
    """``tree`` with paths under ``run_dir`` relative to it and other paths absolute."""
    base = os.path.abspath(run_dir)

    def fix(value: str, place: bool) -> str:
        if not (place or os.path.exists(value)):
            return value  # not a file here (e.g. a generator spec): as written
        full = os.path.abspath(value)
        rel = os.path.relpath(full, base)
        return full if rel == ".." or rel.startswith(".." + os.sep) else rel

    return _rewrite(tree, fix)


def resolve_paths(tree: Dict[str, Any], run_dir: str) -> Dict[str, Any]:
    """``tree`` (read from ``run_dir``/config.yaml) with relative paths joined to ``run_dir``."""
    base = os.path.abspath(run_dir)

    def fix(value: str, place: bool) -> str:
        if os.path.isabs(value):
            return value
        joined = os.path.normpath(os.path.join(base, value))
        return joined if place or os.path.exists(joined) else value

    return _rewrite(tree, fix)
