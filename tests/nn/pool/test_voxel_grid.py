import pytest
import torch

import distgnn.nn as nn
from distgnn.nn.pool import voxel_grid

POS = torch.tensor([[0.0, 0.0], [0.5, 0.5], [1.2, 0.0], [0.0, 1.5], [0.2, 0.3], [1.9, 1.9]])
BATCH = torch.tensor([0, 0, 0, 0, 1, 1])


def test_voxel_grid_exported():
    assert nn.voxel_grid is voxel_grid


def test_voxel_grid_by_hand():
    # start = (0, 0), end = (1.9, 1.9): 2 x 2 voxels per example, x fastest, example slowest
    cluster = voxel_grid(POS, BATCH, size=1.0)
    assert cluster.tolist() == [0, 0, 1, 2, 4, 7]
    # same with explicit start/end given as lists and tensors
    assert voxel_grid(POS, BATCH, [1.0, 1.0], start=0.0, end=[1.9]).tolist() == \
        [0, 0, 1, 2, 4, 7]
    # a grid starting at -1 with end 2: 4 x 4 voxels
    cluster = voxel_grid(POS, BATCH, torch.tensor([1.0]), start=-1.0, end=2.0)
    assert cluster.tolist() == [5, 5, 6, 9, 16 + 5, 16 + 10]


def test_voxel_grid_one_dimensional_pos():
    cluster = voxel_grid(torch.tensor([0.0, 0.4, 1.1, 2.5]), torch.zeros(4, dtype=torch.long),
                         size=0.5)
    assert cluster.tolist() == [0, 0, 2, 5]


def test_voxel_grid_bad_input():
    with pytest.raises(ValueError, match="one entry per point"):
        voxel_grid(POS, BATCH[:3], 1.0)
    with pytest.raises(ValueError, match="at most 2"):
        voxel_grid(POS, BATCH, [1.0, 1.0, 1.0])


def _reference(pos, batch, size, start, end):
    pts = torch.cat([pos, batch.unsqueeze(1).float()], 1)
    size = torch.tensor([size] * pos.size(1) + [1.0])
    start = pts.min(0)[0] if start is None else torch.tensor([start] * pos.size(1) + [0.0])
    end = pts.max(0)[0] if end is None else torch.tensor([end] * pos.size(1)
                                                         + [float(batch.max())])
    cell = ((pts - start) / size).floor().long()
    num = ((end - start) / size).floor().long() + 1
    stride = [1]
    for n in num[:-1].tolist():
        stride.append(stride[-1] * n)
    return (cell * torch.tensor(stride)).sum(1)


def test_voxel_grid_random_cloud_against_formula():
    torch.manual_seed(0)
    pos = torch.rand(40, 3) * 4
    batch = torch.sort(torch.randint(0, 3, (40,)))[0]
    for start, end in ((None, None), (0.0, 4.0)):
        kw = {} if start is None else {"start": start, "end": end}
        assert torch.equal(voxel_grid(pos, batch, 0.7, **kw),
                           _reference(pos, batch, 0.7, start, end))
