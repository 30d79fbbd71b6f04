"""One shard of an embedding table: rows ``[lo, hi)`` and their optimizer state.

:class:`EmbeddingShard` is plain Python (used in-process); :class:`EmbeddingShardActor`
is the thin Ray actor that serves one from a parameter-server process.
"""
from dataclasses import asdict
import os
from typing import Any, Dict, Optional

import numpy as np

import torch
from torch import Tensor

from distgnn.remote import ShardLostError
from .sparse_optim import OptimizerSpec, apply_update, coalesce_rows, init_state

__all__ = ["EmbeddingShard", "EmbeddingShardActor", "init_rows", "mapped_rows"]


def mapped_rows(directory: str, lo: int, hi: int, dim: int) -> Tensor:
    """A float32 ``[hi - lo, dim]`` tensor backed by a file in ``directory`` (memory-mapped):
    a table larger than memory lives in the page cache, written back by the OS. The file is
    created afresh (an existing one is truncated), so every row reads zero."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"rows-{lo}-{hi}-{dim}.f32")
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=(hi - lo, dim))
    return torch.from_numpy(mm)


def init_rows(lo: int, hi: int, dim: int, init: str, std: float, seed: int,
              out: Optional[Tensor] = None) -> Tensor:
    """Initial rows of a shard; the same ``seed`` gives the same table however it is sharded.

    ``out`` (e.g. a memory-mapped tensor) receives the rows block by block.
    """
    if init not in ("normal", "zeros"):
        raise ValueError(f"init must be 'normal' or 'zeros', got {init!r}")
    out = torch.empty(hi - lo, dim) if out is None else out
    if init == "zeros":
        return out.zero_()
    block = 1 << 12  # rows drawn per generator, keyed by the block's first row
    for start in range(lo - lo % block, hi, block):
        gen = torch.Generator().manual_seed(seed * 1_000_003 + start // block)
        rows = torch.randn(block, dim, generator=gen) * std
        a, b = max(start, lo), min(start + block, hi)
        out[a - lo:b - lo] = rows[a - start:b - start]
    return out


class EmbeddingShard:
    """Rows ``[lo, hi)`` of an embedding table with a row-wise optimizer."""

    def __init__(self, lo: int, hi: int, dim: int, spec: OptimizerSpec, init: str = "normal",
                 std: float = 1.0, seed: int = 0, memmap_dir: Optional[str] = None) -> None:
        self.lo, self.hi, self.dim, self.spec = int(lo), int(hi), int(dim), spec
        self.init = (init, float(std), int(seed))
        out = None if memmap_dir is None else mapped_rows(memmap_dir, self.lo, self.hi, self.dim)
        if out is not None and init == "zeros":  # a new mapped file reads as zeros already:
            self.weight = out                     # writing them would dirty every page
        else:
            self.weight = init_rows(self.lo, self.hi, self.dim, init, std, seed, out)
        self.state = init_state(spec, self.weight)
        self.step = 0

    def reset(self) -> None:
        """Back to the initial rows and a fresh optimizer state (in place)."""
        init_rows(self.lo, self.hi, self.dim, *self.init, out=self.weight)
        self.state = init_state(self.spec, self.weight)
        self.step = 0

    def _local(self, ids: Tensor) -> Tensor:
        ids = torch.as_tensor(ids, dtype=torch.long)
        if ids.numel() and (int(ids.min()) < self.lo or int(ids.max()) >= self.hi):
            raise IndexError(f"shard [{self.lo}, {self.hi}) got ids in "
                             f"[{int(ids.min())}, {int(ids.max())}]")
        return ids - self.lo

    def pull(self, ids: Tensor) -> Tensor:
        """Rows of the global ``ids`` (a copy)."""
        return self.weight[self._local(ids)]

    def push(self, ids: Tensor, grad: Tensor, step: int) -> int:
        """Apply optimizer step ``step`` (1, 2, ...) with gradients ``grad`` of the global ``ids``."""
        rows, g = coalesce_rows(self._local(ids), torch.as_tensor(grad, dtype=self.weight.dtype))
        self.step = max(self.step, int(step))
        apply_update(self.spec, self.weight, self.state, rows, g, int(step))
        return self.step

    def set_rows(self, ids: Tensor, values: Tensor) -> None:
        self.weight[self._local(ids)] = torch.as_tensor(values, dtype=self.weight.dtype)

    def state_dict(self) -> Dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "dim": self.dim, "step": self.step,
                "weight": self.weight, "optimizer": asdict(self.spec),
                "state": dict(self.state)}

    def load_state_dict(self, sd: Dict[str, Any]) -> None:
        if (sd["lo"], sd["hi"], sd["dim"]) != (self.lo, self.hi, self.dim):
            raise ValueError(f"shard state covers rows [{sd['lo']}, {sd['hi']}) of dim {sd['dim']}, "
                             f"expected [{self.lo}, {self.hi}) of dim {self.dim}")
        if sd["optimizer"]["name"] != self.spec.name:
            raise ValueError(f"shard state was saved with optimizer {sd['optimizer']['name']!r}, "
                             f"this shard runs {self.spec.name!r}")
        self.weight.copy_(sd["weight"])  # in place: a memory-mapped table stays mapped
        self.state = {k: v.clone() for k, v in sd["state"].items()}
        self.step = int(sd["step"])


class EmbeddingShardActor:
    """Ray actor around an :class:`EmbeddingShard`.

    After Ray restarts it the rows are gone: every call raises
    :class:`ShardLostError` until ``load_state_dict`` restores them, or
    ``reset_if_used`` starts it afresh (a run without a checkpoint yet).
    """

    def __init__(self, *args, **kwargs) -> None:
        import warnings

        import ray
        self.shard = EmbeddingShard(*args, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.lost = ray.get_runtime_context().was_current_actor_reconstructed
        self.used = False  # rows differ from the initial ones

    def _check(self) -> None:
        if self.lost:
            raise ShardLostError(f"embedding shard [{self.shard.lo}, {self.shard.hi}) restarted "
                                 "and lost its rows; restore it from a checkpoint")

    def ping(self) -> int:
        return self.shard.step

    def reset_if_used(self) -> bool:
        """Start afresh (initial rows, step 0) unless untouched; True when it reset."""
        if not (self.lost or self.used):
            return False
        self.shard.reset()
        self.lost = self.used = False
        return True

    def pull(self, ids: Tensor) -> Tensor:
        self._check()
        return self.shard.pull(ids)

    def push(self, ids: Tensor, grad: Tensor, step: int) -> int:
        self._check()
        self.used = True
        return self.shard.push(ids, grad, step)

    def set_rows(self, ids: Tensor, values: Tensor) -> None:
        self._check()
        self.used = True
        self.shard.set_rows(ids, values)

    def state_dict(self) -> Dict[str, Any]:
        self._check()
        return self.shard.state_dict()

    def load_state_dict(self, sd: Dict[str, Any]) -> None:
        self.shard.load_state_dict(sd)
        self.lost, self.used = False, True
