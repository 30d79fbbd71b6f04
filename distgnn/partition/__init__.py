"""Graph partitioning into Zarr shards.

Algorithms (pure, numba): :func:`partition_graph` ("auto", "metis", "graclus",
"kaminpar", "out_of_core", "random", "stream") and :func:`graclus_cluster`, on an edge list or
an on-disk CSR (:class:`DiskCSR`, built by :func:`build_disk_csr`). Storage:
:func:`write_store` (an edge list in memory), :func:`.store.write_store_from_csr`
(an on-disk CSR: the one writer both use), :func:`open_store`. Input files: :mod:`.ingest`.
"""
from .api import METHODS, Partitioning, partition, partition_graph
from .disk_csr import DiskCSR, build_disk_csr
from .graclus import graclus_cluster
from .reader import PartitionStore, PartShard, open_store
from .store import FORMAT_VERSION, write_store

__all__ = ["METHODS", "partition_graph", "partition", "Partitioning", "DiskCSR", "build_disk_csr", "graclus_cluster", "write_store",
           "open_store", "PartitionStore", "PartShard", "FORMAT_VERSION"]
