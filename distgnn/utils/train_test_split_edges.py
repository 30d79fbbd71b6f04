"""Split the edges of an undirected graph into train/validation/test sets for link prediction."""
import math

import torch

from distgnn.utils.undirected import to_undirected

__all__ = ["train_test_split_edges"]


def train_test_split_edges(data, val_ratio: float = 0.05, test_ratio: float = 0.1):
    """Split the undirected edges of ``data`` (in place) for link prediction.

    Each undirected edge (taken once, ``row < col``) goes to validation, test or
    train. Sets ``val_pos_edge_index``, ``test_pos_edge_index`` (one direction) and
    ``train_pos_edge_index`` (both directions), the matching ``*_pos_edge_attr`` when
    ``edge_attr`` exists, ``val_neg_edge_index``/``test_neg_edge_index`` (non-edges of
    the same sizes) and ``train_neg_adj_mask`` (the remaining upper-triangular
    non-edges). Removes ``edge_index`` and ``edge_attr``. Uses torch's global RNG.
    """
    if "edge_index" not in data:
        raise ValueError("train_test_split_edges needs 'data.edge_index', found none")
    if not (0 <= val_ratio and 0 <= test_ratio and val_ratio + test_ratio <= 1):
        raise ValueError(f"'val_ratio' and 'test_ratio' must be >= 0 with sum <= 1, "
                         f"got {val_ratio} and {test_ratio}")
    n = data.num_nodes
    row, col = data.edge_index
    edge_attr = data.edge_attr
    data.edge_index = data.edge_attr = None
    upper = row < col
    row, col = row[upper], col[upper]
    attr = None if edge_attr is None else edge_attr[upper]
    n_v = int(math.floor(val_ratio * row.size(0)))
    n_t = int(math.floor(test_ratio * row.size(0)))
    perm = torch.randperm(row.size(0))
    row, col = row[perm], col[perm]
    attr = None if attr is None else attr[perm]
    splits = {"val": slice(0, n_v), "test": slice(n_v, n_v + n_t), "train": slice(n_v + n_t, None)}
    for name, part in splits.items():
        data[f"{name}_pos_edge_index"] = torch.stack([row[part], col[part]])
        if attr is not None:
            data[f"{name}_pos_edge_attr"] = attr[part]
    if attr is not None:
        data.train_pos_edge_index, data.train_pos_edge_attr = to_undirected(
            data.train_pos_edge_index, data.train_pos_edge_attr, n)
    else:
        data.train_pos_edge_index = to_undirected(data.train_pos_edge_index, num_nodes=n)
    _split_negatives(data, n, row, col, n_v, n_t)
    return data


def _split_negatives(data, n: int, row, col, n_v: int, n_t: int) -> None:
    neg_mask = torch.ones(n, n, dtype=torch.uint8).triu(diagonal=1).to(torch.bool)
    neg_mask[row, col] = False
    neg_row, neg_col = neg_mask.nonzero(as_tuple=False).t()
    perm = torch.randperm(neg_row.size(0))[:n_v + n_t]
    neg_row, neg_col = neg_row[perm], neg_col[perm]
    neg_mask[neg_row, neg_col] = False
    data.train_neg_adj_mask = neg_mask
    data.val_neg_edge_index = torch.stack([neg_row[:n_v], neg_col[:n_v]])
    data.test_neg_edge_index = torch.stack([neg_row[n_v:n_v + n_t], neg_col[n_v:n_v + n_t]])
