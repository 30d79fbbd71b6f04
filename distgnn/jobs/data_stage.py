"""Step 1-2 of a job: generate or read a graph and partition it into a Zarr store.

A store written here records a fingerprint of the ``data`` section, so a rerun
(or ``--resume``) reuses it and a changed config never trains on a stale store.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict
from typing import Dict, Optional, Tuple

import numpy as np

from distgnn.config import TrainConfig, mask_specs

__all__ = ["prepare_store", "store_path", "data_fingerprint", "MASKS"]

MASKS = ("train", "val", "test")
_FINGERPRINT_KEY = "distgnn_train_data"


def store_path(cfg: TrainConfig) -> str:
    """Where the job reads its store: ``data.store``, ``data.output`` or ``<run.dir>/graph.zarr``."""
    if cfg.data.store:
        return os.path.abspath(cfg.data.store)
    return os.path.abspath(cfg.data.output or os.path.join(cfg.run.dir, "graph.zarr"))


def data_fingerprint(cfg: TrainConfig) -> str:
    section = asdict(cfg.data)
    for key in ("output", "overwrite", "store"):
        section.pop(key)
    for key in ("input", "features", "labels"):  # the same files, named from anywhere
        if section[key] and os.path.exists(section[key]):
            section[key] = os.path.abspath(section[key])
    section["masks"] = sorted(f"{n}={os.path.abspath(p)}" for n, p in mask_specs(cfg).items())
    files = [cfg.data.input, cfg.data.features, cfg.data.labels, *mask_specs(cfg).values()]
    section["file_stats"] = [_stat(f) for f in files if f]
    blob = json.dumps(section, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _stat(path: str) -> list:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"data: no such file {path!r}")
    st = os.stat(path)
    return [st.st_size, int(st.st_mtime)]


def _generate(cfg: TrainConfig) -> Tuple[np.ndarray, int, Optional[np.ndarray],
                                         Optional[np.ndarray], Dict[str, np.ndarray]]:
    from distgnn.data import planted_partition, rmat_edge_index

    g = cfg.data.generator
    if g.name == "rmat":
        ei = rmat_edge_index(g.scale, g.edge_factor, seed=cfg.data.seed)
        return ei.numpy(), 1 << g.scale, None, None, {}
    d = planted_partition(g.num_nodes, g.num_blocks, avg_degree=g.avg_degree, p_ratio=g.p_ratio,
                          num_features=g.num_features, feature_noise=g.feature_noise,
                          train_per_class=g.train_per_class, num_val=g.num_val,
                          num_test=g.num_test, seed=cfg.data.seed)
    masks = {"train": d.train_mask.numpy(), "val": d.val_mask.numpy(), "test": d.test_mask.numpy()}
    return d.edge_index.numpy(), int(d.num_nodes), d.x.numpy(), d.y.numpy(), masks


def _read_input(cfg: TrainConfig, scratch: str):
    """``data.input`` ingested into an on-disk CSR at ``scratch`` and its node files, read as
    ``distgnn partition`` reads them."""
    from distgnn.partition.build_csr import ingest
    from distgnn.partition.ingest import read_node_array

    d = cfg.data
    csr, _ = ingest(d.input, scratch, seed=d.seed, quiet=True)
    n = csr.num_nodes
    x = read_node_array(d.features, n, "data.features") if d.features else None
    y = read_node_array(d.labels, n, "data.labels") if d.labels else None
    masks = {name: read_node_array(path, n, f"data.masks {name!r}")
             for name, path in mask_specs(cfg).items()}
    return csr, x, y, masks


def _generated_csr(cfg: TrainConfig, scratch: str):
    """The generator's graph as an on-disk CSR at ``scratch``, and its node arrays."""
    from distgnn.partition.disk_csr import build_disk_csr

    ei, n, x, y, masks = _generate(cfg)
    csr = build_disk_csr([ei], n, scratch, num_edges_hint=ei.shape[1], source=cfg.data.generator.name)
    return csr, x, y, masks


def _reusable(path: str, fingerprint: str, overwrite: bool) -> bool:
    """True when ``path`` holds a complete store written from the same data config.

    Otherwise ``path`` is missing, empty, or a store distgnn wrote (replaced only
    once the new one is complete); anything else is refused and left untouched.
    """
    from distgnn.partition import open_store
    from distgnn.partition.store import check_target

    if not os.path.lexists(path):
        return False
    if not os.path.isdir(path):
        raise NotADirectoryError(f"data.output: {path!r} is a file, expected a store directory; "
                                 "point data.output elsewhere")
    try:
        found = open_store(path).meta.get(_FINGERPRINT_KEY)
    except ValueError:
        found = None  # an incomplete store (interrupted write) is rewritten
    if found == fingerprint and not overwrite:
        return True
    if found is not None and found != fingerprint and not overwrite:
        raise FileExistsError(
            f"data.output: {path!r} holds a store written from a different data config; "
            "set -p data.overwrite=true to replace it, or point data.output elsewhere")
    check_target(path, overwrite=True)  # refuses (and keeps) anything distgnn did not write
    return False


def prepare_store(cfg: TrainConfig, log=print) -> str:
    """Return the path of a complete store for ``cfg``, writing it when needed."""
    from distgnn.partition import open_store
    from distgnn.partition.build import build_store

    path = store_path(cfg)
    if cfg.data.store:
        open_store(path)  # raises a clear error when missing or incomplete
        log(f"store: {path} (given)")
        return path
    fingerprint = data_fingerprint(cfg)
    if _reusable(path, fingerprint, cfg.data.overwrite):
        log(f"store: {path} (reused)")
        return path
    t0 = time.perf_counter()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    from distgnn.partition.scratch import remove_stale, scratch_path
    remove_stale(f"{path}.csr-")  # an earlier run's, killed
    scratch = scratch_path(f"{path}.csr-")
    try:
        csr, x, y, masks = (_read_input if cfg.data.input else _generated_csr)(cfg, scratch)
        t1 = time.perf_counter()
        kept = build_store(csr, path, cfg.data.num_parts, method=cfg.data.method, seed=cfg.data.seed,
                           x=x, y=y, masks=masks or None, overwrite=os.path.lexists(path),
                           extra_meta={_FINGERPRINT_KEY: fingerprint}, log=log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    meta = open_store(path).meta
    log(f"graph: {meta['num_nodes']} nodes, {meta['num_edges']} edges ({t1 - t0:.1f} s); {kept.method} into "
        f"{cfg.data.num_parts} parts, edge cut {meta['edge_cut_fraction']:.1%}; "
        f"store: {path} ({time.perf_counter() - t1:.1f} s)")
    return path
