"""One shard of an embedding table: rows ``[lo, hi)`` and their optimizer state.

:class:`EmbeddingShard` is plain Python (used in-process); :class:`EmbeddingShardActor`
is the thin Ray actor that serves one from a parameter-server process.
"""
from dataclasses import asdict
import fcntl
import os
from typing import Any, Dict, Optional

import numpy as np

import torch
from torch import Tensor

from distgnn.remote import ShardLostError
from .sparse_optim import OptimizerSpec, apply_update, coalesce_rows, init_state

__all__ = ["EmbeddingShard", "EmbeddingShardActor", "init_rows", "mapped_rows", "open_table",
           "table_file", "TABLE_DTYPES", "check_table_dtype"]


#: the element types a table's rows may be stored in (arithmetic is float32 either way)
TABLE_DTYPES = {"float32": np.float32, "float16": np.float16}


def check_table_dtype(dtype: str) -> str:
    if dtype not in TABLE_DTYPES:
        raise ValueError(f"dtype must be one of {sorted(TABLE_DTYPES)}, got {dtype!r}")
    return dtype


def table_file(directory: str, dim: int, dtype: str = "float32") -> str:
    """The one file of a memory-mapped table in ``directory``: row ``v`` at byte
    ``itemsize * dim * v`` (4 bytes for float32, 2 for float16)."""
    bits = 8 * np.dtype(TABLE_DTYPES[check_table_dtype(dtype)]).itemsize
    return os.path.join(directory, f"table-{dim}.f{bits}")


def mapped_rows(directory: str, lo: int, hi: int, dim: int, dtype: str = "float32") -> Tensor:
    """Rows ``[lo, hi)`` of the table file in ``directory`` (:func:`table_file`), as a
    ``[hi - lo, dim]`` tensor of ``dtype`` memory-mapped from it: a table larger than memory
    lives in the page cache, written back by the OS, and every shard of the table (and a
    trainer on the same machine, :func:`open_table`) maps the same file. The file grows to
    cover row ``hi`` with its blocks allocated (a full disk is an error here, not a crash on
    a later write); the rows read zero."""
    os.makedirs(directory, exist_ok=True)
    np_dtype = TABLE_DTYPES[check_table_dtype(dtype)]
    path, row = table_file(directory, dim, dtype), np.dtype(np_dtype).itemsize * dim
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # shards of one table start side by side
        size = os.fstat(fd).st_size
        if size < hi * row:
            os.posix_fallocate(fd, size, hi * row - size)
    finally:
        os.close(fd)
    if hi == lo:
        return torch.empty(0, dim, dtype=getattr(torch, dtype))
    rows = torch.from_numpy(np.memmap(path, dtype=np_dtype, mode="r+", offset=lo * row,
                                      shape=(hi - lo, dim)))
    if size > lo * row:  # rows of an earlier table in this file
        rows.zero_()
    return rows


def open_table(path: str, num_rows: int, dim: int, dtype: str = "float32") -> np.ndarray:
    """The whole table file ``path`` mapped writable (``[num_rows, dim]`` of ``dtype``): a
    trainer on the shards' machine updates their rows in place."""
    np_dtype = TABLE_DTYPES[check_table_dtype(dtype)]
    need = np.dtype(np_dtype).itemsize * dim * num_rows
    if os.path.getsize(path) < need:
        raise ValueError(f"table file {path} holds {os.path.getsize(path)} bytes, expected at "
                         f"least {need} ({num_rows} rows of {dim} {dtype})")
    return np.memmap(path, dtype=np_dtype, mode="r+", shape=(num_rows, dim))


def init_rows(lo: int, hi: int, dim: int, init: str, std: float, seed: int,
              out: Optional[Tensor] = None) -> Tensor:
    """Initial rows of a shard; the same ``seed`` gives the same table however it is sharded.

    ``out`` (e.g. a memory-mapped tensor, float32 or float16) receives the rows block by
    block, rounded to its dtype.
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
                 std: float = 1.0, seed: int = 0, memmap_dir: Optional[str] = None,
                 dtype: str = "float32") -> None:
        self.lo, self.hi, self.dim, self.spec = int(lo), int(hi), int(dim), spec
        self.dtype = check_table_dtype(dtype)
        if dtype != "float32" and spec.name != "sgd":
            raise ValueError(f"a {dtype} table needs optimizer 'sgd' (its rows change by added "
                             f"deltas), got {spec.name!r}")
        self.init = (init, float(std), int(seed))
        self.path = None if memmap_dir is None else table_file(memmap_dir, self.dim, dtype)
        out = (torch.empty(self.hi - self.lo, self.dim, dtype=getattr(torch, dtype))
               if memmap_dir is None else mapped_rows(memmap_dir, self.lo, self.hi, self.dim, dtype))
        if memmap_dir is not None and init == "zeros":  # mapped rows read as zeros already:
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

    def pull(self, ids: Tensor, half: bool = False) -> Tensor:
        """Rows of the global ``ids`` (a float32 copy; float16 with ``half``)."""
        rows = self.weight[self._local(ids)]
        return rows.half() if half else rows.float()

    def push(self, ids: Tensor, grad: Tensor, step: int) -> int:
        """Apply optimizer step ``step`` (1, 2, ...) with gradients ``grad`` of the global ``ids``."""
        rows, g = coalesce_rows(self._local(ids), torch.as_tensor(grad, dtype=torch.float32))
        self.step = max(self.step, int(step))
        if self.weight.dtype == torch.float32:
            apply_update(self.spec, self.weight, self.state, rows, g, int(step))
        elif rows.numel():  # sgd in float32 on the touched rows, rounded once
            self.weight[rows] = (self.weight[rows].float() - self.spec.lr * g).to(self.weight.dtype)
        return self.step

    def set_rows(self, ids: Tensor, values: Tensor) -> None:
        self.weight[self._local(ids)] = torch.as_tensor(values, dtype=self.weight.dtype)

    def mapped_table(self) -> Optional[Dict[str, Any]]:
        """Where the rows live when memory-mapped (the table file, its device and inode, and
        the optimizer), else None; the caller may then write the rows in place."""
        if self.path is None:
            return None
        st = os.stat(self.path)
        return {"path": self.path, "dev": st.st_dev, "ino": st.st_ino,
                "optimizer": self.spec.name, "dtype": self.dtype, "node": None}

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

    def node(self) -> str:
        """The Ray node this shard runs on."""
        from distgnn.remote import node_id

        return node_id()

    def reset_if_used(self) -> bool:
        """Start afresh (initial rows, step 0) unless untouched; True when it reset."""
        if not (self.lost or self.used):
            return False
        self.shard.reset()
        self.lost = self.used = False
        return True

    def pull(self, ids: Tensor, half: bool = False) -> Tensor:
        self._check()
        return self.shard.pull(ids, half)

    def push(self, ids: Tensor, grad: Tensor, step: int) -> int:
        self._check()
        self.used = True
        return self.shard.push(ids, grad, step)

    def set_rows(self, ids: Tensor, values: Tensor) -> None:
        self._check()
        self.used = True
        self.shard.set_rows(ids, values)

    def mapped_table(self) -> Optional[Dict[str, Any]]:
        """The shard's :meth:`EmbeddingShard.mapped_table` with the Ray node it runs on; the
        rows count as changed from here on (they may be written in place)."""
        import ray
        self._check()
        out = self.shard.mapped_table()
        if out is not None:
            self.used = True
            out["node"] = ray.get_runtime_context().get_node_id()
        return out

    def state_dict(self) -> Dict[str, Any]:
        self._check()
        return self.shard.state_dict()

    def load_state_dict(self, sd: Dict[str, Any]) -> None:
        self.shard.load_state_dict(sd)
        self.lost, self.used = False, True
