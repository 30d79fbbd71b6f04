import torch

import distgnn.nn as nn
from distgnn.nn.pool import knn, knn_graph


def test_knn_exported_and_doc_example():
    assert nn.knn is knn and nn.knn_graph is knn_graph
    x = torch.tensor([[-1., -1.], [-1., 1.], [1., -1.], [1., 1.]])
    batch = torch.tensor([0, 0, 0, 0])
    edge_index = knn_graph(x, k=2, batch=batch, loop=False)
    # every corner's two nearest others are its two adjacent corners
    expected = {(1, 0), (2, 0), (0, 1), (3, 1), (0, 2), (3, 2), (1, 3), (2, 3)}
    assert set(map(tuple, edge_index.t().tolist())) == expected
    y = torch.tensor([[-1., 0.], [1., 0.]])
    assign = knn(x, y, 2, batch, torch.tensor([0, 0]))
    assert set(map(tuple, assign.t().tolist())) == {(0, 0), (0, 1), (1, 2), (1, 3)}
