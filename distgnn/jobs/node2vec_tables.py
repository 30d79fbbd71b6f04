"""Where a Node2Vec run's sgns tables live when ``model.memmap_dir`` is not set.

Replicas train both tables in place through files their servers map. A file on
disk is written back by the kernel while it is trained: random row updates
dirty every page of it, and at 33.5M nodes the writeback (GB/s) stalls the
trainers on page faults. So on one machine, where they fit, the files go to
``/dev/shm`` (memory, never written back; a checkpoint saves the rows) and are
removed when the run ends; else, and on a cluster of several nodes (the driver
cannot remove other nodes' files), to ``<run.dir>/tables``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from typing import Iterator, Optional

import numpy as np

__all__ = ["IN_MEMORY_ROOT", "table_bytes", "in_memory_dir", "placed_tables"]

#: a memory-backed file system shared by the processes of one machine
IN_MEMORY_ROOT = "/dev/shm"
#: the tables may take this share of the memory available when the run starts
MEMORY_SHARE = 0.6


def table_bytes(cfg, num_nodes: int) -> int:
    """Bytes of both sgns tables (input and output) of a run on ``num_nodes`` nodes."""
    return 2 * num_nodes * cfg.model.embedding_dim * np.dtype(cfg.model.table_dtype).itemsize


def in_memory_dir(run_id: str) -> str:
    return os.path.join(IN_MEMORY_ROOT, f"distgnn-{run_id}-tables")


def _fits_in_memory(need: int) -> bool:
    from distgnn.partition.memory import available_bytes

    if not os.path.isdir(IN_MEMORY_ROOT) or not os.access(IN_MEMORY_ROOT, os.W_OK):
        return False
    st = os.statvfs(IN_MEMORY_ROOT)
    return need <= MEMORY_SHARE * min(available_bytes(), st.f_bavail * st.f_frsize)


def _one_machine() -> bool:
    import ray
    from distgnn.distributed.placement import alive_nodes

    return not ray.is_initialized() or alive_nodes() <= 1


@contextlib.contextmanager
def placed_tables(cfg, store: str) -> Iterator:
    """``cfg`` with ``model.memmap_dir`` set where the tables go (see the module docstring);
    files placed in memory are removed on leaving. A config that names the folder, or runs
    another optimizer, is kept as it is."""
    from distgnn.distributed.run_id import ensure_run_id
    from distgnn.partition import open_store

    if cfg.model.optimizer != "sgns" or cfg.model.memmap_dir is not None:
        yield cfg
        return
    need = table_bytes(cfg, int(open_store(store).num_nodes))
    folder: Optional[str] = None
    if _one_machine() and _fits_in_memory(need):
        folder = in_memory_dir(ensure_run_id(cfg.run.run_dir))
        where = f"{folder} (in memory; removed at the end)"
    else:
        where = os.path.join(cfg.run.run_dir, "tables")
    print(f"node2vec: both tables ({need / 2**30:.2f} GB, {cfg.model.table_dtype}) in {where}")
    model = dataclasses.replace(cfg.model, memmap_dir=folder or where)
    try:
        yield dataclasses.replace(cfg, model=model)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
