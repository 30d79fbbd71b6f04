"""Graph partitioning into Zarr shards.

Algorithms (pure, numba): :func:`partition_graph` ("auto", "metis", "graclus",
"kaminpar", "random", "stream") and :func:`graclus_cluster`, on an edge list or
an on-disk CSR (:class:`DiskCSR`, built by :func:`build_disk_csr`). Storage:
:func:`write_store`, :func:`write_store_chunked`, :func:`open_store`
(:func:`.store.write_store_from_csr` from a CSR). Input files: :mod:`.ingest`.
"""
from .api import METHODS, Partitioning, partition, partition_graph
from .disk_csr import DiskCSR, build_disk_csr
from .graclus import graclus_cluster
from .reader import PartitionStore, PartShard, open_store
from .store import FORMAT_VERSION, write_store, write_store_chunked

__all__ = ["METHODS", "partition_graph", "partition", "Partitioning", "DiskCSR", "build_disk_csr", "graclus_cluster", "write_store", "write_store_chunked",
           "open_store", "PartitionStore", "PartShard", "FORMAT_VERSION"]
