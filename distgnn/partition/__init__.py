"""Graph partitioning into Zarr shards.

Algorithms (pure, numba): :func:`partition_graph` ("auto", "metis", "graclus",
"kaminpar", "out_of_core", "random", "stream") and :func:`graclus_cluster`, on an edge list or
an on-disk CSR (:class:`DiskCSR`, built by :func:`build_disk_csr`). Storage:
:func:`write_store` (an edge list in memory), :func:`.store.write_store_from_csr`
(an on-disk CSR: the one writer both use), :func:`open_store`. Input files: :mod:`.ingest`.

The names below are imported when first used: a shard server reading a store imports
:mod:`.reader` alone, without torch.
"""
from distgnn.lazy_names import lazy_names

#: public name -> the submodule defining it
_WHERE = {
    "METHODS": "api", "Partitioning": "api", "partition": "api", "partition_graph": "api",
    "DiskCSR": "disk_csr", "build_disk_csr": "disk_csr", "graclus_cluster": "graclus",
    "PartitionStore": "reader", "PartShard": "reader", "open_store": "reader",
    "FORMAT_VERSION": "store", "write_store": "store",
}

__all__ = ["METHODS", "partition_graph", "partition", "Partitioning", "DiskCSR", "build_disk_csr", "graclus_cluster", "write_store",
           "open_store", "PartitionStore", "PartShard", "FORMAT_VERSION"]


__getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())
