"""Checks that span several keys (each error names the key to change)."""
from __future__ import annotations

from distgnn.config.convert import ConfigError
from distgnn.config.schema import TrainConfig

__all__ = ["validate"]


def _check_source(cfg: TrainConfig) -> None:
    if cfg.data.store and cfg.data.input:
        raise ConfigError("data.input", "data.store and data.input are both set",
                          "keep one: data.store reads a partitioned store, data.input ingests a file")


def _check_generator(cfg: TrainConfig) -> None:
    g = cfg.data.generator
    if cfg.data.store or cfg.data.input or g.name != "planted_partition":
        return
    if g.num_blocks > g.num_nodes:
        raise ConfigError("data.generator.num_blocks",
                          f"{g.num_blocks} blocks exceed {g.num_nodes} nodes",
                          "lower it or raise data.generator.num_nodes")
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
    if cfg.job == "cluster_gcn" and cfg.data.store is None:
        per_worker = parts // workers
        if cfg.sampler.parts_per_batch > per_worker:
            raise ConfigError("sampler.parts_per_batch",
                              f"{cfg.sampler.parts_per_batch} parts per batch but each of the "
                              f"{workers} replicas owns only {per_worker} of {parts} parts",
                              f"set it to at most {per_worker} or raise data.num_parts")


def _check_model(cfg: TrainConfig) -> None:
    if cfg.model.dropout >= 1:
        raise ConfigError("model.dropout", f"expected a probability below 1, got {cfg.model.dropout}",
                          "set -p model.dropout=0.5")
    if cfg.job == "node2vec" and cfg.model.context_size > cfg.model.walk_length:
        raise ConfigError("model.context_size",
                          f"{cfg.model.context_size} exceeds model.walk_length={cfg.model.walk_length}",
                          "lower it or raise model.walk_length")
    if cfg.job == "cluster_gcn" and len(cfg.sampler.num_neighbors) != cfg.model.num_layers:
        raise ConfigError("sampler.num_neighbors",
                          f"{len(cfg.sampler.num_neighbors)} entries for "
                          f"model.num_layers={cfg.model.num_layers}",
                          "give one fan-out per layer, e.g. -p sampler.num_neighbors=[10,5]")


def validate(cfg: TrainConfig) -> TrainConfig:
    """Raise :class:`ConfigError` on inconsistent keys; returns ``cfg``."""
    for check in (_check_source, _check_generator, _check_parts, _check_model):
        check(cfg)
    return cfg
