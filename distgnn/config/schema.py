"""The ``distgnn train`` configuration: one dataclass per YAML section.

Every field carries ``metadata["help"]``; optional constraints are ``choices``
(allowed values), ``min`` (lower bound of a number, or of each list item) and
``allow`` (extra values accepted besides the bound, e.g. ``-1`` for "all").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

__all__ = ["DataConfig", "GeneratorConfig", "ModelConfig", "SamplerConfig", "ScalingSection",
           "SyncSection", "RunSection", "TrainConfig", "JOBS", "GENERATORS"]

JOBS = ("cluster_gcn", "node2vec")
GENERATORS = ("planted_partition", "rmat")


def opt(default, help: str, **constraints):
    """A dataclass field with help text and constraints in its metadata."""
    meta = dict(help=help, **constraints)
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def section(cls, help: str):
    return field(default_factory=cls, metadata={"help": help})


@dataclass
class GeneratorConfig:
    name: str = opt("planted_partition", "synthetic graph to generate", choices=GENERATORS)
    num_nodes: int = opt(4000, "nodes of the planted-partition graph", min=2)
    num_blocks: int = opt(8, "blocks (= classes) of the planted-partition graph", min=1)
    avg_degree: float = opt(10.0, "average degree of the planted-partition graph", min=0)
    p_ratio: float = opt(25.0, "intra- to inter-block edge probability ratio", min=1e-9)
    num_features: int = opt(32, "node feature width", min=1)
    feature_noise: float = opt(2.0, "std of the Gaussian noise added to block centroids", min=0)
    train_per_class: int = opt(20, "training nodes per class", min=1)
    num_val: int = opt(500, "validation nodes", min=0)
    num_test: int = opt(1000, "test nodes", min=0)
    scale: int = opt(12, "R-MAT: log2 of the number of nodes (rmat only)", min=1)
    edge_factor: int = opt(8, "R-MAT: sampled edges per node (rmat only)", min=1)


@dataclass
class DataConfig:
    store: Optional[str] = opt(None, "existing partitioned store to train on (skips generate/partition)")
    input: Optional[str] = opt(None, "edge file to ingest and partition (.csv, .parquet or .npy)")
    generator: GeneratorConfig = section(GeneratorConfig, "synthetic graph, used when neither "
                                         "data.store nor data.input is set")
    output: Optional[str] = opt(None, "where to write the partitioned store "
                                      "(default: <run.dir>/graph.zarr)")
    num_parts: int = opt(16, "parts (shards) to partition the graph into", min=1)
    method: str = opt("metis", "partitioning method", choices=("metis", "graclus", "random", "stream"))
    seed: int = opt(0, "seed of the generator and the partitioner")
    overwrite: bool = opt(False, "rewrite the store at data.output even when it matches the config")


@dataclass
class ModelConfig:
    hidden_channels: int = opt(64, "ClusterGCN: hidden width", min=1)
    num_layers: int = opt(2, "ClusterGCN: number of ClusterGCNConv layers", min=1)
    dropout: float = opt(0.5, "ClusterGCN: dropout probability", min=0)
    diag_lambda: float = opt(0.0, "ClusterGCN: diagonal enhancement lambda", min=0)
    embedding_dim: int = opt(64, "Node2Vec: embedding width", min=1)
    walk_length: int = opt(20, "Node2Vec: steps per random walk", min=1)
    context_size: int = opt(10, "Node2Vec: window size of positive pairs", min=1)
    walks_per_node: int = opt(4, "Node2Vec: walks started at each node per epoch", min=1)
    p: float = opt(1.0, "Node2Vec: return parameter", min=1e-9)
    q: float = opt(1.0, "Node2Vec: in-out parameter", min=1e-9)
    num_negative_samples: int = opt(1, "Node2Vec: negative walks per positive walk", min=1)


@dataclass
class SamplerConfig:
    parts_per_batch: int = opt(2, "ClusterGCN: parts merged into one cluster batch (q)", min=1)
    batch_size: int = opt(128, "Node2Vec: start nodes per batch", min=1)
    num_neighbors: List[int] = opt([10, 5], "neighbours per layer (-1 = all) for neighbour-"
                                   "sampled models, one entry per model layer; the cluster_gcn "
                                   "and node2vec jobs batch whole parts and walks instead",
                                   min=1, allow=(-1,))
    num_actors: int = opt(0, "Ray shard-server actors serving the store (0 = each replica "
                             "reads the store itself)", min=0)
    prefetch: int = opt(2, "batches prepared ahead of the training step", min=0)


@dataclass
class ScalingSection:
    num_workers: int = opt(2, "training replicas (Ray Train workers)", min=1)
    use_gpu: bool = opt(False, "put each replica on a GPU")
    cpus_per_worker: float = opt(1.0, "CPUs reserved per replica", min=0.01)


@dataclass
class SyncSection:
    mode: str = opt("allreduce", "dense gradient sync: averaged over replicas every step",
                    choices=("allreduce",))
    embedding_servers: int = opt(2, "Node2Vec: parameter-server actors holding embedding rows", min=1)


@dataclass
class RunSection:
    epochs: int = opt(20, "training epochs", min=1)
    lr: float = opt(0.01, "learning rate", min=0)
    weight_decay: float = opt(5e-4, "L2 weight decay (ClusterGCN)", min=0)
    dir: str = opt("runs/job", "run directory: checkpoints, metrics.csv, plot.png, store")
    seed: int = opt(0, "seed of model init and sampling")
    resume: bool = opt(False, "continue from the latest checkpoint in run.dir")
    checkpoint_every: int = opt(1, "epochs between checkpoints", min=1)
    eval_every: int = opt(1, "epochs between validation passes", min=1)
    progress: bool = opt(True, "show progress bars")
    ray_address: Optional[str] = opt(None, "Ray cluster to join (default: $RAY_ADDRESS, "
                                           "else an in-process Ray)")


@dataclass
class TrainConfig:
    job: str = opt("cluster_gcn", "pipeline to run", choices=JOBS)
    data: DataConfig = section(DataConfig, "graph source and partitioning")
    model: ModelConfig = section(ModelConfig, "model hyper-parameters")
    sampler: SamplerConfig = section(SamplerConfig, "batching and shard serving")
    scaling: ScalingSection = section(ScalingSection, "replicas and devices")
    sync: SyncSection = section(SyncSection, "gradient and embedding synchronisation")
    run: RunSection = section(RunSection, "epochs, optimiser, checkpoints, resume")
