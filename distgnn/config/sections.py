"""The job-independent ``data`` section of ``distgnn train`` (and its ``generator``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, List, Optional

from distgnn.fields import check_fields, opt, section
from distgnn.generator_defaults import PLANTED_DEFAULTS

__all__ = ["DataConfig", "GeneratorConfig", "GENERATORS", "PARTITION_METHODS"]

GENERATORS = ("planted_partition", "rmat")
#: the methods of :func:`distgnn.partition.partition_graph` (a test checks they are the same)
PARTITION_METHODS = ("auto", "metis", "graclus", "kaminpar", "out_of_core", "random", "stream")


@dataclass
class GeneratorConfig:
    SECTION: ClassVar[str] = "data.generator"

    name: str = opt("planted_partition", "synthetic graph to generate", choices=GENERATORS)
    num_nodes: int = opt(4000, "nodes of the planted-partition graph", min=2)
    num_blocks: int = opt(8, "blocks (= classes) of the planted-partition graph", min=1)
    avg_degree: float = opt(PLANTED_DEFAULTS["avg_degree"], "average degree of the planted-partition graph", min=0)
    p_ratio: float = opt(PLANTED_DEFAULTS["p_ratio"], "intra- to inter-block edge probability ratio", gt=0)
    num_features: int = opt(PLANTED_DEFAULTS["num_features"], "node feature width", min=1)
    feature_noise: float = opt(PLANTED_DEFAULTS["feature_noise"], "std of the Gaussian noise added to block centroids", min=0)
    train_per_class: int = opt(PLANTED_DEFAULTS["train_per_class"], "training nodes per class", min=1)
    num_val: int = opt(PLANTED_DEFAULTS["num_val"], "validation nodes", min=0)
    num_test: int = opt(PLANTED_DEFAULTS["num_test"], "test nodes", min=0)
    scale: int = opt(12, "R-MAT: log2 of the number of nodes (rmat only)", min=1)
    edge_factor: int = opt(16, "R-MAT: sampled edges per node (rmat only)", min=1)

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass
class DataConfig:
    SECTION: ClassVar[str] = "data"

    store: Optional[str] = opt(None, "existing partitioned store to train on (skips "
                                     "generate/partition)")
    input: Optional[str] = opt(None, "edge file to ingest and partition, as `distgnn partition` "
                                     "reads it (.parquet .csv .tsv .txt .arrow .feather .npy)")
    features: Optional[str] = opt(None, "node features of data.input (.npy or .parquet, "
                                        "[num_nodes, F])")
    labels: Optional[str] = opt(None, "node labels of data.input (.npy or .parquet, [num_nodes])")
    masks: List[str] = opt([], "boolean node masks of data.input, each NAME=PATH (.npy or "
                               ".parquet), e.g. [train=train.npy, val=val.npy, test=test.npy]")
    generator: GeneratorConfig = section(GeneratorConfig, "synthetic graph, used when neither "
                                         "data.store nor data.input is set")
    output: Optional[str] = opt(None, "where to write the partitioned store "
                                      "(default: <run.dir>/graph.zarr)")
    num_parts: int = opt(16, "parts (shards) to partition the graph into", min=1)
    method: str = opt("auto", "partitioning method, as distgnn partition --method (auto: metis while the "
                              "graph is small enough, then KaMinPar, out_of_core or stream by the memory available)",
                      choices=PARTITION_METHODS)
    seed: int = opt(0, "seed of the generator and the partitioner")
    overwrite: bool = opt(False, "rewrite the store at data.output even when it matches the config")

    def __post_init__(self) -> None:
        check_fields(self)
