import torch

from distgnn.data import Data, DataListLoader, DataLoader, DenseDataLoader


def _graphs(n):
    return [Data(x=torch.full((i + 1, 2), float(i)), edge_index=torch.tensor([[0], [i]]),
                 y=torch.tensor([i])) for i in range(n)]


def test_dataloader_batches():
    loader = DataLoader(_graphs(5), batch_size=2, follow_batch=["x"])
    batches = list(loader)
    assert len(batches) == 3
    first = batches[0]
    assert first.num_graphs == 2
    assert first.edge_index.tolist() == [[0, 1], [0, 2]]
    assert first.batch.tolist() == [0, 1, 1] and first.x_batch.tolist() == [0, 1, 1]
    assert first.y.tolist() == [0, 1]
    assert batches[2].num_graphs == 1 and batches[2].x.size(0) == 5


def test_dataloader_collates_other_types():
    samples = [{"g": g, "t": torch.tensor([i]), "f": float(i), "i": i, "s": str(i)}
               for i, g in enumerate(_graphs(3))]
    batch = next(iter(DataLoader(samples, batch_size=3)))
    assert batch["g"].num_graphs == 3
    assert batch["t"].tolist() == [[0], [1], [2]]
    assert batch["f"].dtype == torch.float and batch["i"].tolist() == [0, 1, 2]
    assert batch["s"] == ["0", "1", "2"]
    pairs = next(iter(DataLoader([(1, "a"), (2, "b")], batch_size=2)))
    assert pairs[0].tolist() == [1, 2] and pairs[1] == ["a", "b"]


def test_list_and_dense_loaders():
    lists = list(DataListLoader(_graphs(3), batch_size=2))
    assert [len(b) for b in lists] == [2, 1] and isinstance(lists[0][0], Data)
    dense = [Data(x=torch.full((3, 2), float(i)), adj=torch.eye(3) * i, mask=torch.ones(3).bool())
             for i in range(4)]
    batch = next(iter(DenseDataLoader(dense, batch_size=3)))
    assert batch.x.shape == (3, 3, 2) and batch.adj.shape == (3, 3, 3)
    assert batch.adj[2, 1, 1] == 2.0 and batch.mask.dtype == torch.bool
