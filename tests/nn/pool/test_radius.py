import torch

import distgnn.nn as nn
from distgnn.nn.pool import radius, radius_graph


def test_radius_exported_and_doc_example():
    assert nn.radius is radius and nn.radius_graph is radius_graph
    x = torch.tensor([[-1., -1.], [-1., 1.], [1., -1.], [1., 1.]])
    batch = torch.tensor([0, 0, 0, 0])
    y = torch.tensor([[-1., 0.], [1., 0.]])
    assign = radius(x, y, 1.5, batch, torch.tensor([0, 0]))
    assert set(map(tuple, assign.t().tolist())) == {(0, 0), (0, 1), (1, 2), (1, 3)}
    assert radius_graph(x, r=1.5, batch=batch, loop=False).shape == (2, 0)
    loops = radius_graph(x, r=1.5, batch=batch, loop=True)
    assert set(map(tuple, loops.t().tolist())) == {(i, i) for i in range(4)}
