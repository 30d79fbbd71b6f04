"""Graph partitioning into Zarr shards.

Algorithms (pure, numba): :func:`partition_graph` ("metis", "graclus", "random",
"stream") and :func:`graclus_cluster`. Storage: :func:`write_store`,
:func:`write_store_chunked`, :func:`open_store`. Input files: :mod:`.ingest`.
"""
from .api import METHODS, partition_graph
from .graclus import graclus_cluster
from .reader import PartitionStore, PartShard, open_store
from .store import FORMAT_VERSION, write_store, write_store_chunked

__all__ = ["METHODS", "partition_graph", "graclus_cluster", "write_store", "write_store_chunked",
           "open_store", "PartitionStore", "PartShard", "FORMAT_VERSION"]
