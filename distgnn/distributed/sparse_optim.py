"""Row-wise optimizer updates for embedding shards (pure tensor functions).

``rows`` are unique local row indices and ``grad`` their summed gradients;
each function updates ``weight`` and its state in place, with the semantics
of ``torch.optim.SparseAdam`` and of ``torch.optim.Adagrad`` on a sparse
gradient: only the touched rows change, and ``step`` counts optimizer steps.
"""
import math
from dataclasses import dataclass
from typing import Dict, Tuple

import torch
from torch import Tensor

__all__ = ["OptimizerSpec", "coalesce_rows", "sparse_adam_rows", "adagrad_rows", "sgd_rows",
           "rowwise_adagrad_rows", "init_state", "apply_update", "OPTIMIZERS", "STATE_PER_ROW",
           "state_bytes_per_row"]

OPTIMIZERS = ("sparse_adam", "adagrad", "rowwise_adagrad", "sgd")

#: optimizer state held per row, in 4-byte values, as a function of the embedding dim
STATE_PER_ROW = {"sparse_adam": lambda dim: 2 * dim, "adagrad": lambda dim: dim,
                 "rowwise_adagrad": lambda dim: 1, "sgd": lambda dim: 0}


def state_bytes_per_row(name: str, dim: int) -> int:
    """Bytes of optimizer state per embedding row (float32)."""
    if name not in STATE_PER_ROW:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
    return 4 * STATE_PER_ROW[name](dim)


@dataclass(frozen=True)
class OptimizerSpec:
    """Which row-wise optimizer a shard runs, with its hyper-parameters."""
    name: str = "sparse_adam"
    lr: float = 0.01
    betas: Tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    lr_decay: float = 0.0
    initial_accumulator_value: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.name!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if not all(0.0 <= b < 1.0 for b in self.betas):
            raise ValueError(f"betas must lie in [0, 1), got {self.betas!r}")
        if not self.eps > 0:
            raise ValueError(f"eps must be > 0, got {self.eps!r}")


def coalesce_rows(rows: Tensor, grad: Tensor) -> Tuple[Tensor, Tensor]:
    """Sum the gradients of repeated rows: returns sorted unique rows and their sums."""
    uniq, inv = torch.unique(rows, return_inverse=True)
    if uniq.numel() == rows.numel():
        order = torch.argsort(inv)
        return uniq, grad[order]
    out = grad.new_zeros(uniq.numel(), grad.size(1))
    out.index_add_(0, inv, grad)
    return uniq, out


def init_state(spec: OptimizerSpec, weight: Tensor) -> Dict[str, Tensor]:
    if spec.name == "sparse_adam":
        return {"exp_avg": torch.zeros_like(weight), "exp_avg_sq": torch.zeros_like(weight)}
    if spec.name == "adagrad":
        return {"state_sum": torch.full_like(weight, spec.initial_accumulator_value)}
    if spec.name == "rowwise_adagrad":
        return {"row_sum": torch.full((weight.size(0),), spec.initial_accumulator_value,
                                      dtype=weight.dtype)}
    return {}


def sparse_adam_rows(weight: Tensor, exp_avg: Tensor, exp_avg_sq: Tensor, rows: Tensor,
                     grad: Tensor, step: int, spec: OptimizerSpec) -> None:
    beta1, beta2 = spec.betas
    m = exp_avg[rows]
    v = exp_avg_sq[rows]
    m.add_(grad.sub(m).mul_(1 - beta1))
    v.add_(grad.pow(2).sub_(v).mul_(1 - beta2))
    exp_avg[rows] = m
    exp_avg_sq[rows] = v
    step_size = spec.lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
    weight.index_add_(0, rows, m.div_(v.sqrt().add_(spec.eps)).mul_(-step_size))


def adagrad_rows(weight: Tensor, state_sum: Tensor, rows: Tensor, grad: Tensor, step: int,
                 spec: OptimizerSpec) -> None:
    s = state_sum[rows].add_(grad.pow(2))
    state_sum[rows] = s
    clr = spec.lr / (1 + (step - 1) * spec.lr_decay)
    weight.index_add_(0, rows, grad.div(s.sqrt_().add_(spec.eps)).mul_(-clr))


def rowwise_adagrad_rows(weight: Tensor, row_sum: Tensor, rows: Tensor, grad: Tensor, step: int,
                         spec: OptimizerSpec) -> None:
    """Adagrad with one accumulator per row (the mean of the squared gradient over the row's
    entries, as PyTorch-BigGraph does): 4 bytes of state per row instead of 4 * dim."""
    s = row_sum[rows].add_(grad.pow(2).mean(dim=1))
    row_sum[rows] = s
    clr = spec.lr / (1 + (step - 1) * spec.lr_decay)
    weight.index_add_(0, rows, grad.div(s.sqrt_().add_(spec.eps).unsqueeze(1)).mul_(-clr))


def sgd_rows(weight: Tensor, rows: Tensor, grad: Tensor, spec: OptimizerSpec) -> None:
    weight.index_add_(0, rows, grad, alpha=-spec.lr)


def apply_update(spec: OptimizerSpec, weight: Tensor, state: Dict[str, Tensor], rows: Tensor,
                 grad: Tensor, step: int) -> None:
    """One optimizer step on ``rows`` (unique) with gradients ``grad``; ``step`` starts at 1."""
    if rows.numel() == 0:
        return
    if spec.name == "sparse_adam":
        sparse_adam_rows(weight, state["exp_avg"], state["exp_avg_sq"], rows, grad, step, spec)
    elif spec.name == "adagrad":
        adagrad_rows(weight, state["state_sum"], rows, grad, step, spec)
    elif spec.name == "rowwise_adagrad":
        rowwise_adagrad_rows(weight, state["row_sum"], rows, grad, step, spec)
    else:
        sgd_rows(weight, rows, grad, spec)
