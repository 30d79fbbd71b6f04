import torch

import distgnn.nn as nn
from distgnn.nn.pool import fps


def test_fps_exported_and_doc_example():
    assert nn.fps is fps
    x = torch.tensor([[-1., -1.], [-1., 1.], [1., -1.], [1., 1.]])
    batch = torch.tensor([0, 0, 0, 0])
    index = fps(x, batch, ratio=0.5)
    assert index.numel() == 2
    # the second sample is the corner opposite the (random) first one
    assert bool((x[index[0]] == -x[index[1]]).all())
    assert fps(x, batch, ratio=0.5, random_start=False).tolist() == [0, 3]
