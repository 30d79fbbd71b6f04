"""Partition a generated graph into a Zarr store and iterate Cluster-GCN batches of it.

    python examples/cluster_batches.py
"""
import tempfile

from distgnn.data import planted_partition
from distgnn.partition import open_store, partition_graph, write_store
from distgnn.sampler import ClusterLoader

data = planted_partition(2000, 4, num_val=200, num_test=400, seed=0)
parts = partition_graph(data.edge_index, data.num_nodes, 8, method="metis")
with tempfile.TemporaryDirectory() as tmp:
    path = f"{tmp}/graph.zarr"
    write_store(path, data.edge_index, data.num_nodes, parts, x=data.x.numpy(), y=data.y.numpy(),
                masks={"train": data.train_mask.numpy(), "val": data.val_mask.numpy(),
                       "test": data.test_mask.numpy()})
    print(open_store(path))
    loader = ClusterLoader(path, num_parts_per_batch=2, shuffle=True, seed=0)
    for batch in loader:
        print(f"parts {batch.parts.tolist()}: {batch.num_nodes} nodes, "
              f"{batch.edge_index.size(1)} edges, {int(batch['train'].sum())} training nodes")
    loader.close()
