import torch

import distgnn.nn as nn
from distgnn.nn.pool import nearest


def test_nearest_exported_and_doc_example():
    assert nn.nearest is nearest
    x = torch.tensor([[-1., -1.], [-1., 1.], [1., -1.], [1., 1.]])
    batch_x = torch.tensor([0, 0, 0, 0])
    y = torch.tensor([[-1., 0.], [1., 0.]])
    batch_y = torch.tensor([0, 0])
    assert nearest(x, y, batch_x, batch_y).tolist() == [0, 0, 1, 1]
