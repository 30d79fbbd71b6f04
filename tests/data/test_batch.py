import pytest
import torch

from distgnn.data import Batch, Data


def _pair():
    a = Data(x=torch.tensor([[1.0], [2.0], [3.0]]), edge_index=torch.tensor([[0, 1], [1, 2]]),
             y=torch.tensor(1), name="a", w=2.5, face=torch.tensor([[0], [1], [2]]))
    b = Data(x=torch.tensor([[4.0], [5.0]]), edge_index=torch.tensor([[0, 1], [1, 0]]),
             y=torch.tensor(0), name="b", w=1.0, face=torch.tensor([[0], [1], [1]]))
    return a, b


def _equal(x, y):
    if torch.is_tensor(x):
        return torch.is_tensor(y) and x.dtype == y.dtype and torch.equal(x, y)
    return x == y


def test_from_data_list_by_hand():
    batch = Batch.from_data_list(list(_pair()), follow_batch=["x"])
    assert batch.edge_index.tolist() == [[0, 1, 3, 4], [1, 2, 4, 3]]
    assert batch.face.tolist() == [[0, 3], [1, 4], [2, 4]]
    assert batch.x.view(-1).tolist() == [1, 2, 3, 4, 5]
    assert batch.batch.tolist() == [0, 0, 0, 1, 1]
    assert batch.x_batch.tolist() == [0, 0, 0, 1, 1]
    assert batch.ptr.tolist() == [0, 3, 5]
    assert batch.y.tolist() == [1, 0]
    assert batch.w.tolist() == [2.5, 1.0]
    assert batch.name == ["a", "b"]
    assert batch.num_graphs == 2 and batch.num_nodes == 5


def test_round_trip():
    graphs = list(_pair())
    batch = Batch.from_data_list(graphs)
    for original, back in zip(graphs, batch.to_data_list()):
        assert sorted(original.keys) == sorted(back.keys)
        for key in original.keys:
            assert _equal(original[key], back[key]), key
    assert batch[1].name == "b" and len(batch[0:2]) == 2 and batch[[1]][0].w == 1.0
    assert batch[-1].x.tolist() == [[4.0], [5.0]]
    with pytest.raises(IndexError):
        batch.get_example(2)


def test_exclude_and_custom_inc():
    class PairData(Data):
        def __inc__(self, key, value):
            if key == "edge_index_t":
                return self.x_t.size(0)
            return super().__inc__(key, value)

    g1 = PairData(x=torch.zeros(2, 1), x_t=torch.zeros(3, 1),
                  edge_index_t=torch.tensor([[0], [2]]), extra=torch.ones(1))
    g2 = PairData(x=torch.zeros(4, 1), x_t=torch.zeros(1, 1),
                  edge_index_t=torch.tensor([[0], [0]]), extra=torch.ones(1))
    batch = Batch.from_data_list([g1, g2], exclude_keys=["extra"])
    assert "extra" not in batch
    assert batch.edge_index_t.tolist() == [[0, 3], [2, 3]]
    back = batch.to_data_list()
    assert isinstance(back[1], PairData) and back[1].edge_index_t.tolist() == [[0], [0]]


def test_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        Batch.from_data_list([])
    with pytest.raises(TypeError, match="Data objects"):
        Batch.from_data_list([torch.zeros(1)])
    with pytest.raises(RuntimeError, match="from_data_list"):
        Batch(batch=torch.zeros(2, dtype=torch.long)).get_example(0)
