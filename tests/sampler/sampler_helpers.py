"""Graph and store builders for the sampler tests."""
import numpy as np
import torch

from distgnn.data import Data, rmat_edge_index


def make_graph(scale: int = 9, seed: int = 0, features: int = 4) -> Data:
    ei = rmat_edge_index(scale, edge_factor=8, seed=seed)
    n = 1 << scale
    g = torch.Generator().manual_seed(seed)
    return Data(x=torch.randn(n, features, generator=g), edge_index=ei,
                y=torch.randint(0, 3, (n,), generator=g), train_mask=torch.rand(n, generator=g) < 0.3,
                num_nodes=n)


def write_test_store(path, data: Data, num_parts: int, seed: int = 0):
    from distgnn.partition import open_store, partition_graph, write_store
    assignment = partition_graph(data.edge_index, data.num_nodes, num_parts, method="random", seed=seed)
    write_store(path, data.edge_index, data.num_nodes, assignment, x=data.x, y=data.y,
                masks={"train_mask": data.train_mask}, method="random", seed=seed, keep_edge_ids=True)
    return open_store(path)


def relabelled(data: Data, store) -> Data:
    """``data`` in the store's numbering (same edge order)."""
    new = torch.from_numpy(np.asarray(store.to_new(np.arange(data.num_nodes))))
    orig = torch.from_numpy(np.asarray(store.orig_ids))
    return Data(x=data.x[orig], edge_index=new[data.edge_index], y=data.y[orig],
                train_mask=data.train_mask[orig], num_nodes=data.num_nodes)


def edge_set(edge_index) -> set:
    ei = np.asarray(edge_index)
    return set(zip(ei[0].tolist(), ei[1].tolist()))
