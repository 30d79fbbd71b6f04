"""Checks that span several keys (each error names the key to change)."""
from __future__ import annotations

from distgnn.fields import ConfigError

from .registry import get_job
from .schema import TrainConfig

__all__ = ["validate", "mask_specs"]


def _check_source(cfg: TrainConfig) -> None:
    d = cfg.data
    if d.store and d.input:
        raise ConfigError("data.input", "data.store and data.input are both set",
                         "keep one: data.store reads a partitioned store, data.input ingests a file")
    for key in ("features", "labels", "masks"):
        if getattr(d, key) and not d.input:
            raise ConfigError(f"data.{key}", "node data files go with an edge file",
                             "set data.input too (a store or a generated graph brings its own)")
    mask_specs(cfg)


def mask_specs(cfg: TrainConfig) -> dict:
    """``data.masks`` as ``{name: path}``; a malformed or repeated name is refused."""
    out = {}
    for i, spec in enumerate(cfg.data.masks):
        name, sep, path = spec.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise ConfigError(f"data.masks[{i}]", f"expected NAME=PATH, got {spec!r}",
                             "e.g. -p data.masks=[train=train.npy,test=test.npy]")
        if name.strip() in out:
            raise ConfigError(f"data.masks[{i}]", f"mask {name.strip()!r} is named twice",
                             "give each mask one file")
        out[name.strip()] = path.strip()
    return out


def _check_generator(cfg: TrainConfig) -> None:
    g = cfg.data.generator
    if cfg.data.store or cfg.data.input or g.name != "planted_partition":
        return
    if g.num_blocks > g.num_nodes:
        raise ConfigError("data.generator.num_blocks", f"{g.num_blocks} blocks exceed {g.num_nodes} "
                         "nodes", "lower it or raise data.generator.num_nodes")
    needed = g.train_per_class * g.num_blocks + g.num_val + g.num_test
    if needed > g.num_nodes:
        raise ConfigError("data.generator.num_nodes",
                         f"the split needs {needed} nodes (train_per_class * num_blocks + "
                         f"num_val + num_test), got {g.num_nodes}",
                         "raise it or lower num_val / num_test / train_per_class")


def _check_parts(cfg: TrainConfig) -> None:
    workers, parts = cfg.scaling.num_workers, cfg.data.num_parts
    if cfg.data.store is None and parts < workers:
        raise ConfigError("data.num_parts", f"{parts} parts for {workers} replicas; every "
                         "replica needs at least one part", f"set -p data.num_parts={workers} or more")


def validate(cfg: TrainConfig) -> TrainConfig:
    """Raise :class:`ConfigError` on inconsistent keys; returns ``cfg``."""
    for check in (_check_source, _check_generator, _check_parts):
        check(cfg)
    spec = get_job(cfg.job)
    if spec.check is not None:
        spec.check(cfg)
    return cfg
