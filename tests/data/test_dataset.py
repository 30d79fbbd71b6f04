import torch

from distgnn.data import Data, DataLoader, InMemoryDataset


def _dataset(transform=None):
    graphs = [Data(x=torch.full((2, 3), float(i)), edge_index=torch.tensor([[0], [1]]),
                   y=torch.tensor([i % 3])) for i in range(5)]
    return InMemoryDataset(graphs, transform=transform)


def test_indexing_and_properties():
    ds = _dataset()
    assert len(ds) == 5 and ds.num_features == 3 and ds.num_classes == 3
    assert ds[4].x[0, 0] == 4.0
    sub = ds[1:4]
    assert len(sub) == 3 and sub[0].x[0, 0] == 1.0
    picked = ds[torch.tensor([4, 0])]
    assert [g.x[0, 0].item() for g in picked] == [4.0, 0.0]
    mask = torch.tensor([True, False, True, False, False])
    assert [g.x[0, 0].item() for g in ds[mask]] == [0.0, 2.0]
    shuffled, perm = ds.shuffle(return_perm=True)
    assert sorted(perm.tolist()) == [0, 1, 2, 3, 4]
    assert [g.x[0, 0].item() for g in shuffled] == [float(p) for p in perm.tolist()]


def test_transform_and_copy():
    ds = _dataset(transform=lambda d: Data(x=d.x * 10, edge_index=d.edge_index))
    assert ds[2].x[0, 0] == 20.0
    g = ds[1]
    g.x += 1
    assert ds[1].x[0, 0] == 10.0  # stored graphs are not modified


def test_with_loader():
    batch = next(iter(DataLoader(_dataset(), batch_size=5)))
    assert batch.num_graphs == 5 and batch.edge_index.tolist() == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
