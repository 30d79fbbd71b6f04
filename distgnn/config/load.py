"""Read a YAML config, apply ``-p`` overrides, type-check and validate it.

The job is settled first (a ``-p job=...`` override, else the file's ``job:``,
else the default), so the ``model`` and ``sampler`` sections are read as that
job's sections; a key of another job's section is refused naming both jobs.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, Optional, Sequence

import yaml

from distgnn.fields import field_types

from .convert import ConfigError, build, unknown_key
from .overrides import apply_overrides, parse_key, parse_override
from .registry import DEFAULT_JOB, get_job, job_names
from .run_paths import portable_paths, resolve_paths, run_dir_of
from .schema import TrainConfig
from .validate import validate

__all__ = ["load_config", "config_from_dict", "config_to_dict", "read_yaml", "save_config",
           "build_config"]

_JOB_SECTIONS = ("model", "sampler")


def read_yaml(path: str) -> Dict[str, Any]:
    """The mapping in a YAML file (never executed: ``yaml.safe_load``)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"config file {path!r} not found (expected a YAML file, "
                                f"e.g. examples/configs/cluster_gcn.yaml)")
    with open(path, encoding="utf-8") as fh:
        try:
            tree = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise ConfigError(path, f"not valid YAML: {exc}", "fix the line shown") from None
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise ConfigError(path, f"expected a mapping of sections, got {type(tree).__name__}",
                          "start with 'job:', 'data:', 'model:', ... sections")
    return tree


def config_to_dict(cfg: TrainConfig) -> Dict[str, Any]:
    return dataclasses.asdict(cfg)


def _other_jobs_with(section: str, name: str, job: str):
    return [j for j in job_names() if j != job and
            name in {f.name for f in dataclasses.fields(getattr(get_job(j), section))}]


def _explain(exc: ConfigError, job: str) -> ConfigError:
    """An unknown ``model.*`` / ``sampler.*`` key names the job (and the jobs that have it)."""
    path = exc.key.split(".")
    if not exc.unknown or len(path) != 2 or path[0] not in _JOB_SECTIONS:
        return exc
    owners = _other_jobs_with(path[0], path[1].split("[")[0], job)
    problem = f"not a key of job {job}" + (f" (it is a key of job {', '.join(owners)})" if owners else "")
    fix = (f"set -p job={owners[0]} or drop it; " if owners else f"{exc.fix}; ") + \
        f"`distgnn train --help --job {job}` lists the keys of job {job}"
    return ConfigError(exc.key, problem, fix, unknown=True)


def build_config(tree: Optional[Dict[str, Any]]) -> TrainConfig:
    """A typed (not yet cross-checked) config from a nested mapping."""
    tree = dict(tree or {})
    job = tree.get("job", DEFAULT_JOB)
    if not isinstance(job, str):
        raise ConfigError("job", f"expected a job name, got {job!r}", f"set -p job={DEFAULT_JOB}")
    spec = get_job(job)
    types = field_types(TrainConfig)
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    kwargs: Dict[str, Any] = {"job": job}
    for key, value in tree.items():
        if key not in names:
            raise unknown_key("", str(key), names)
        if key == "job":
            continue
        cls = getattr(spec, key) if key in _JOB_SECTIONS else types[key]
        if key == "run" and isinstance(value, dict):  # the job's defaults beneath the file's keys
            value = {**spec.run_defaults, **value}
        try:
            kwargs[key] = build(cls, value, key)
        except ConfigError as exc:
            raise _explain(exc, job) from None
    return TrainConfig(**kwargs)


def _job_of(tree: Dict[str, Any], overrides: Sequence[str]) -> Any:
    job = tree.get("job", DEFAULT_JOB)
    for text in overrides:
        key, value = parse_override(text)
        if parse_key(key) == ["job"]:
            job = value
    return job


def config_from_dict(tree: Optional[Dict[str, Any]], overrides: Sequence[str] = ()) -> TrainConfig:
    """Typed, validated config from a nested mapping plus ``key=value`` overrides."""
    tree = dict(tree or {})
    if overrides:
        tree["job"] = _job_of(tree, overrides)
        merged = config_to_dict(build_config(tree))
        try:
            apply_overrides(merged, overrides)
        except ConfigError as exc:
            raise _explain(exc, tree["job"]) from None
        tree = merged
    return validate(build_config(tree))


def load_config(path: Optional[str], overrides: Sequence[str] = ()) -> TrainConfig:
    """Load ``path`` (or the defaults when ``None``) and apply ``overrides``."""
    tree = read_yaml(path) if path is not None else {}
    run_dir = run_dir_of(path) if path is not None else None
    if run_dir is not None:  # a run's saved config: its relative paths start there
        tree = resolve_paths(tree, run_dir)
    return config_from_dict(tree, overrides)


def save_config(cfg: TrainConfig, path: str) -> None:
    tree = config_to_dict(cfg)
    run_dir = run_dir_of(path)
    if run_dir is not None:  # paths relative to the run directory: a copy resumes the copy
        tree = portable_paths(tree, run_dir)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(tree, fh, sort_keys=False)
