"""The ``graphsage`` job's sections: the GraphSAGE model and the neighbour sampler."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, List, Optional

from distgnn.fields import ConfigError, check_fields, opt

from .jobs import ShardSampler
from .registry import JobSpec, register_job

__all__ = ["GraphSAGEModel", "NeighborSampler"]


@dataclass
class GraphSAGEModel:
    SECTION: ClassVar[str] = "model"

    hidden_channels: int = opt(256, "hidden width", min=1)
    num_layers: int = opt(2, "SAGEConv layers (one sampled hop each)", min=1)
    dropout: float = opt(0.5, "dropout probability after each hidden layer", min=0, lt=1, example=0.5)
    aggr: str = opt("mean", "neighbour aggregation", choices=("mean", "max", "add"))
    batch_norm: bool = opt(False, "batch normalisation after each hidden layer")
    residual: bool = opt(False, "add each hidden layer's input to its output (where widths agree)")
    root_weight: bool = opt(True, "SAGEConv's separate weight on the node's own features")

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass
class NeighborSampler(ShardSampler):
    num_neighbors: List[int] = opt([15, 10], "in-neighbours drawn per node at each hop, one entry "
                                   "per model layer, first hop first (-1 = all)", min=1, allow=(-1,))
    batch_size: Optional[int] = opt(None, "training nodes per mini-batch and replica (null: "
                                    "1024, or fewer where an epoch would take fewer than "
                                    "sampler.min_steps steps per replica: ceil(share / "
                                    "min_steps)); a number is kept as given", min=1)
    min_steps: int = opt(20, "with sampler.batch_size null: optimiser steps per epoch and "
                             "replica below which batches shrink (0: always 1024); 1,600 "
                             "training nodes on 2 replicas, 5 epochs: 1 step of 800 per epoch "
                             "reached 0.44, 20 of 40 reach 0.96", min=0)
    eval_batch_size: int = opt(4096, "nodes per evaluation batch", min=1)
    eval_num_neighbors: List[int] = opt([], "fan-outs of evaluation (empty: those of training; "
                                        "-1 = all)", min=1, allow=(-1,))
    cache_mb: float = opt(256.0, "features kept on each replica behind shard-server actors, "
                                 "in MB (0 = no cache)", min=0)
    cache_policy: str = opt("degree", "which nodes' features the cache keeps: the highest "
                            "in-degrees, or the most visited in warm-up batches",
                            choices=("degree", "warmup"))
    warmup_batches: int = opt(20, "batches sampled (without features) to count visits when "
                                  "cache_policy is warmup", min=1)

    def __post_init__(self) -> None:
        check_fields(self)


def _check_graphsage(cfg) -> None:
    layers = cfg.model.num_layers
    for key in ("num_neighbors", "eval_num_neighbors"):
        fan = getattr(cfg.sampler, key)
        if (fan or key == "num_neighbors") and len(fan) != layers:
            raise ConfigError(f"sampler.{key}", f"{len(fan)} fan-outs for model.num_layers={layers}",
                             f"give one per layer, e.g. -p sampler.{key}=[{','.join(['10'] * layers)}]")


register_job(JobSpec("graphsage", "neighbour-sampled GraphSAGE node classification through the "
                     "shard servers", GraphSAGEModel, NeighborSampler,
                     "distgnn.jobs.graphsage:graphsage_replica", _check_graphsage,
                     build_model="distgnn.jobs.graphsage:build_model",
                     measured="test accuracy 0.990 on the default generated graph (4k nodes, "
                              "20 epochs); 0.960 on a 20k-node graph with 1,600 training "
                              "nodes, 2 replicas, 5 epochs"))
