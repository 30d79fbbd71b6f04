"""Classification metrics computed per class."""
from typing import Tuple

import torch
from torch import Tensor

__all__ = ["accuracy", "true_positive", "true_negative", "false_positive", "false_negative",
           "precision", "recall", "f1_score", "intersection_and_union", "mean_iou"]


def accuracy(pred: Tensor, target: Tensor) -> float:
    """Fraction of entries with ``pred == target``."""
    return float((pred == target).sum()) / target.numel()


def true_positive(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Per class: predicted ``c`` and truly ``c``."""
    return torch.stack([((pred == c) & (target == c)).sum() for c in range(num_classes)])


def true_negative(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Per class: predicted not ``c`` and truly not ``c``."""
    return torch.stack([((pred != c) & (target != c)).sum() for c in range(num_classes)])


def false_positive(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Per class: predicted ``c`` but truly not ``c``."""
    return torch.stack([((pred == c) & (target != c)).sum() for c in range(num_classes)])


def false_negative(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Per class: predicted not ``c`` but truly ``c``."""
    return torch.stack([((pred != c) & (target == c)).sum() for c in range(num_classes)])


def _ratio(num: Tensor, den: Tensor) -> Tensor:
    out = num.to(torch.float) / den.to(torch.float)
    return torch.nan_to_num(out, nan=0.0)


def precision(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Per class ``tp / (tp + fp)`` (0 where undefined)."""
    tp = true_positive(pred, target, num_classes)
    return _ratio(tp, tp + false_positive(pred, target, num_classes))


def recall(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Per class ``tp / (tp + fn)`` (0 where undefined)."""
    tp = true_positive(pred, target, num_classes)
    return _ratio(tp, tp + false_negative(pred, target, num_classes))


def f1_score(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Per class harmonic mean of precision and recall (0 where undefined)."""
    p = precision(pred, target, num_classes)
    r = recall(pred, target, num_classes)
    return _ratio(2 * p * r, p + r)


def intersection_and_union(pred: Tensor, target: Tensor, num_classes: int,
                           batch=None) -> Tuple[Tensor, Tensor]:
    """Per graph and class: ``|pred==c & target==c|`` and ``|pred==c | target==c|``."""
    if batch is None:
        batch = torch.zeros_like(pred)
    num_graphs = int(batch.max()) + 1 if batch.numel() else 0
    p = torch.nn.functional.one_hot(pred.long(), num_classes)
    t = torch.nn.functional.one_hot(target.long(), num_classes)
    inter = torch.zeros(num_graphs, num_classes, dtype=torch.long).index_add_(0, batch, p & t)
    union = torch.zeros(num_graphs, num_classes, dtype=torch.long).index_add_(0, batch, p | t)
    return inter, union


def mean_iou(pred: Tensor, target: Tensor, num_classes: int, batch=None) -> Tensor:
    """Mean over classes of intersection/union per graph (an absent class counts as 1)."""
    inter, union = intersection_and_union(pred, target, num_classes, batch)
    iou = inter.to(torch.float) / union.to(torch.float)
    return torch.nan_to_num(iou, nan=1.0).mean(dim=-1)
