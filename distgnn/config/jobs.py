"""The model and sampler sections of the registered jobs, and their registration.

A new job adds its sections here (or in a module of its own imported by
:mod:`distgnn.config`) and calls :func:`~distgnn.config.registry.register_job`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

from distgnn.fields import ConfigError, check_fields, opt

from .registry import JobSpec, register_job

__all__ = ["NODE2VEC_RUN_DEFAULTS", "ShardSampler", "ClusterGCNModel", "ClusterSampler", "Node2VecModel", "WalkSampler"]


@dataclass
class ShardSampler:
    """What every job's sampler section has: shard serving and prefetching."""
    SECTION: ClassVar[str] = "sampler"

    num_actors: int = opt(0, "Ray shard-server actors serving the store (0 = each replica "
                             "reads the store itself)", min=0)
    prefetch: int = opt(2, "batches prepared ahead of the training step", min=1)

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass
class ClusterGCNModel:
    SECTION: ClassVar[str] = "model"

    hidden_channels: int = opt(64, "hidden width", min=1)
    num_layers: int = opt(2, "ClusterGCNConv layers", min=1)
    dropout: float = opt(0.5, "dropout probability", min=0, lt=1, example=0.5)
    diag_lambda: float = opt(0.0, "diagonal enhancement lambda", min=0)
    root_weight: bool = opt(True, "train a separate weight for each node's own features "
                                  "(SAGE-style); false is the layer of the Cluster-GCN paper")

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass
class ClusterSampler(ShardSampler):
    #: one replica reading the store itself needs no Ray: it runs in the driver's process
    RUNS_WITHOUT_RAY: ClassVar[bool] = True

    parts_per_batch: int = opt(2, "parts merged into one cluster batch (q)", min=1)
    eval_parts_per_batch: int = opt(0, "parts per evaluation batch (0: parts_per_batch); more "
                                       "parts keep more of each node's neighbourhood, all parts "
                                       "evaluate on the whole graph (the paper's test protocol)",
                                    min=0)


@dataclass
class Node2VecModel:
    SECTION: ClassVar[str] = "model"

    embedding_dim: int = opt(64, "embedding width", min=1)
    walk_length: int = opt(20, "steps per random walk", min=1)
    context_size: int = opt(10, "nodes per skip-gram window, in [2, walk_length + 1]", min=2)
    walks_per_node: int = opt(4, "walks started at each node per epoch", min=1)
    p: float = opt(1.0, "return parameter of the biased walk", gt=0)
    q: float = opt(1.0, "in-out parameter of the biased walk", gt=0)
    num_negative_samples: int = opt(1, "negative windows per positive one", min=1)
    optimizer: str = opt("sgns", "how the embedding is trained. sgns (default): word2vec's "
                         "per-pair SGD on the replicas, with a second (output) table of 4*dim "
                         "bytes per row, trained in place where replicas share the servers' "
                         "machine; the others run on the embedding servers, their state per row: "
                         "sparse_adam 8*dim bytes (the torch_geometric 1.7 recipe, with "
                         "run.lr=0.01), adagrad 4*dim, rowwise_adagrad 4, sgd 0",
                         choices=("sgns", "sparse_adam", "adagrad", "rowwise_adagrad", "sgd"))
    memmap_dir: Optional[str] = opt(None, "keep the embedding servers' rows in memory-mapped "
                                    "files under this directory (on each server's machine), for "
                                    "tables larger than memory; with optimizer sgns, replicas on "
                                    "the servers' machine then train those files in place "
                                    "instead of pulling and pushing rows (null: with optimizer "
                                    "sgns, /dev/shm/distgnn-<run id>-tables on one machine where "
                                    "both tables fit in 60% of the memory, removed at the end "
                                    "(a file on disk is written back while it trains), else "
                                    "<run.dir>/tables; in memory with the others; '': in memory)")
    table_dtype: str = opt("float32", "how optimizer sgns stores both tables' rows: float32 "
                           "(4*dim bytes per row and table) or float16 (2*dim bytes, for tables "
                           "that would not fit beside the graph; arithmetic stays float32, and "
                           "on Cora the test accuracy is within 0.02 of float32's)",
                           choices=("float32", "float16"))

    def __post_init__(self) -> None:
        check_fields(self)
        if self.table_dtype != "float32" and self.optimizer != "sgns":
            raise ConfigError("model.table_dtype", f"{self.table_dtype} needs model.optimizer=sgns, "
                              f"got {self.optimizer}", "set model.table_dtype=float32 or "
                              "model.optimizer=sgns")
        if self.context_size > self.walk_length + 1:
            raise ConfigError("model.context_size", f"{self.context_size} exceeds model.walk_length "
                             f"+ 1 = {self.walk_length + 1} (a walk of L steps visits L + 1 nodes)",
                             "lower it or raise model.walk_length")


@dataclass
class WalkSampler(ShardSampler):
    batch_size: int = opt(128, "start nodes per step and replica", min=1)


#: measured on planted graphs (16 blocks, p_ratio 15; bench/node2vec_defaults.py): with
#: optimizer sgns, 4 walks of 20 steps per node, 1 epoch at word2vec's 0.025 leaves the
#: embedding near its start (accuracy 0.07 at 20k nodes); 8 epochs at 0.1 learn the blocks
NODE2VEC_RUN_DEFAULTS = {"epochs": 8, "lr": 0.1}


def _check_cluster_gcn(cfg) -> None:
    if cfg.data.store is None and cfg.sampler.parts_per_batch > cfg.data.num_parts:
        raise ConfigError("sampler.parts_per_batch", f"{cfg.sampler.parts_per_batch} parts per "
                         f"batch but the graph has data.num_parts={cfg.data.num_parts}",
                         f"set it to at most {cfg.data.num_parts} or raise data.num_parts")


register_job(JobSpec("cluster_gcn", "ClusterGCN node classification on cluster batches of parts",
                     ClusterGCNModel, ClusterSampler,
                     "distgnn.jobs.cluster_gcn:cluster_gcn_replica", _check_cluster_gcn,
                     build_model="distgnn.jobs.cluster_gcn:build_model",
                     measured="test accuracy 0.991 on the default generated graph (4k nodes, "
                              "20 epochs); 0.970 on make demo's 20k-node graph"))
register_job(JobSpec("node2vec", "Node2Vec skip-gram on random walks, embeddings on "
                     "parameter-server actors", Node2VecModel, WalkSampler,
                     "distgnn.jobs.node2vec:node2vec_replica",
                     run_defaults=NODE2VEC_RUN_DEFAULTS, export_from="table",
                     resources="distgnn.jobs.node2vec_tables:placed_tables",
                     measured="test accuracy 0.984 on the default generated graph (4k nodes, "
                              "8 epochs); 0.787 in 148 s on a 200k-node planted graph (16 "
                              "blocks, 2 replicas)"))
