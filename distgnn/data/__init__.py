"""Graph data: the ``Data``/``Batch`` containers, loaders, datasets and synthetic generators."""
from distgnn.data.batch import Batch
from distgnn.data.data import Data
from distgnn.data.dataloader import Collater, DataListLoader, DataLoader, DenseDataLoader
from distgnn.data.dataset import Dataset, InMemoryDataset
from distgnn.data.generators import (coalesce_numpy, grid_edge_index, planted_partition,
                                     planted_partition_edge_index, rmat_edge_index)
from distgnn.data.planetoid import Planetoid, find_planetoid_folder, read_planetoid_data

__all__ = ["Data", "Batch", "Collater", "DataLoader", "DataListLoader", "DenseDataLoader",
           "Dataset", "InMemoryDataset", "Planetoid", "read_planetoid_data",
           "find_planetoid_folder", "rmat_edge_index", "planted_partition",
           "planted_partition_edge_index", "grid_edge_index", "coalesce_numpy"]
