import os
import shutil

import pytest
import torch

from distgnn.data import Planetoid, read_planetoid_data

needs_cora = pytest.mark.usefixtures("cora_root")


@needs_cora
def test_cora_counts(cora_root):
    dataset = Planetoid(cora_root, "Cora")
    assert len(dataset) == 1
    assert dataset.num_features == 1433 and dataset.num_classes == 7
    data = dataset[0]
    assert data.num_nodes == 2708 and data.edge_index.size(1) == 10556
    assert data.x.shape == (2708, 1433)
    assert [int(data[m].sum()) for m in ("train_mask", "val_mask", "test_mask")] == [140, 500, 1000]
    assert data.train_mask[:140].all() and data.val_mask[140:640].all()
    assert not bool((data.train_mask & data.test_mask).any() | (data.val_mask & data.test_mask).any())
    assert data.is_undirected() and not data.contains_self_loops()
    assert torch.bincount(data.y[data.train_mask]).tolist() == [20] * 7


@pytest.mark.slow
@needs_cora
def test_cora_matches_oracle(cora_root):
    io = pytest.importorskip("torch_geometric.io")
    ours = read_planetoid_data(cora_root, "cora")
    ref = io.read_planetoid_data(cora_root, "cora")
    assert torch.equal(ours.x, ref.x) and torch.equal(ours.y, ref.y)
    n = ours.num_nodes
    ref_key = (ref.edge_index[0] * n + ref.edge_index[1]).sort().values
    assert torch.equal(ours.edge_index[0] * n + ours.edge_index[1], ref_key)
    for key in ("train_mask", "val_mask", "test_mask"):
        assert torch.equal(ours[key], ref[key])


@needs_cora
def test_raw_layout_and_full_split(tmp_path, cora_root):
    raw = tmp_path / "Cora" / "raw"
    raw.mkdir(parents=True)
    for name in os.listdir(cora_root):
        if name.startswith("ind.cora."):
            os.symlink(os.path.join(cora_root, name), raw / name)
    data = Planetoid(str(tmp_path), "Cora", split="full")[0]
    assert int(data.train_mask.sum()) == 2708 - 1500
    assert not bool((data.train_mask & data.val_mask).any())


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="ind.cora"):
        Planetoid(str(tmp_path), "Cora")
    with pytest.raises(FileNotFoundError, match="missing"):
        read_planetoid_data(str(tmp_path), "cora")
