"""Read a YAML config, apply ``-p`` overrides, type-check and validate it."""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, Optional, Sequence

import yaml

from distgnn.config.convert import ConfigError, build
from distgnn.config.overrides import apply_overrides
from distgnn.config.schema import TrainConfig
from distgnn.config.validate import validate

__all__ = ["load_config", "config_from_dict", "config_to_dict", "read_yaml", "save_config"]


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


def config_from_dict(tree: Optional[Dict[str, Any]], overrides: Sequence[str] = ()) -> TrainConfig:
    """Typed, validated config from a nested mapping plus ``key=value`` overrides."""
    cfg = build(TrainConfig, tree or {})
    if overrides:
        cfg = build(TrainConfig, apply_overrides(config_to_dict(cfg), overrides))
    return validate(cfg)


def load_config(path: Optional[str], overrides: Sequence[str] = ()) -> TrainConfig:
    """Load ``path`` (or the defaults when ``None``) and apply ``overrides``."""
    tree = read_yaml(path) if path is not None else {}
    return config_from_dict(tree, overrides)


def save_config(cfg: TrainConfig, path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(config_to_dict(cfg), fh, sort_keys=False)
