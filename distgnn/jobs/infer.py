"""Layer-wise inference: a trained model applied one layer at a time to every node.

Mini-batch inference with sampled neighbourhoods is inexact, and full-graph
inference does not fit one process on a large graph. Layer-wise inference is
both exact and bounded: layer ``l`` runs over all nodes in batches of target
nodes with their FULL in-neighbourhoods, reading its input rows (``x`` from the
shard servers for the first layer, else layer ``l - 1``'s output) and writing
its output rows to the Zarr array ``layer_<l>`` in the store's numbering. Each
worker owns a contiguous, chunk-aligned range of nodes (the store numbers nodes
part after part, so this spreads the parts over the workers, and no two workers
ever write the same chunk); all workers finish layer ``l`` before any starts
``l + 1``. The result equals ``model(x, edge_index)`` on the whole graph.

Output: a Zarr group with ``layer_0 .. layer_<L-1>`` (float32, ``[num_nodes, d_l]``)
and the attribute ``distgnn_inference`` (written last): ``num_layers``, ``dims``,
``num_nodes``, ``chunk_rows``, ``embedding_layer`` (the last hidden layer).
"""
from __future__ import annotations

import math
import os
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from distgnn.distributed.sync import unwrap

__all__ = ["layer_steps", "layer_dims", "local_block", "node_ranges_of", "infer_range",
           "read_zarr_rows", "run_inference", "open_inference", "InferenceWorker", "INFER_KIND",
           "ATTR_KEY", "load_run", "trained_model", "infer_run"]

#: marker kind of an inference output directory (see :mod:`distgnn.ownership`)
INFER_KIND = "inference"
#: group attribute written when every layer is complete
ATTR_KEY = "distgnn_inference"

Step = Callable[[torch.Tensor, torch.Tensor, Tuple[int, int]], torch.Tensor]


# ---------------------------------------------------------------------- the model, a layer at a time
def layer_steps(model: torch.nn.Module) -> List[Step]:
    """``step(x_sources, edge_index, (num_sources, num_targets)) -> out_targets`` per layer,
    for a model with ``num_layers`` and ``layer(i, x, edge_index, size)`` (the GraphSAGE
    and ClusterGCN job models, in eval mode)."""
    model = unwrap(model)
    if not (callable(getattr(model, "layer", None)) and hasattr(model, "num_layers")):
        raise TypeError(f"layer-wise inference takes a model with num_layers and layer(i, x, "
                        f"edge_index, size), as the GraphSAGE and ClusterGCN job models, got "
                        f"{type(model).__name__}")
    return [lambda x, ei, size, i=i: model.layer(i, x, ei, size) for i in range(model.num_layers)]


def layer_dims(model: torch.nn.Module) -> List[int]:
    """Output width of each layer."""
    model = unwrap(model)
    return [int(c.out_channels) for c in model.convs]


# ---------------------------------------------------------------------- pure pieces
def local_block(lo: int, hi: int, counts: np.ndarray, nbr: np.ndarray) -> Tuple[np.ndarray, torch.Tensor]:
    """``(n_id, edge_index)`` of the block of targets ``[lo, hi)`` with in-neighbours ``nbr``
    (``counts[t]`` of them for target ``lo + t``): ``n_id`` starts with the targets, then
    the other sources sorted; ``edge_index`` is [2, e] in positions of ``n_id``."""
    n = hi - lo
    inside = (nbr >= lo) & (nbr < hi)
    outside = np.unique(nbr[~inside])
    src = np.where(inside, nbr - lo, n + np.searchsorted(outside, nbr))
    dst = np.repeat(np.arange(n, dtype=np.int64), counts)
    n_id = np.concatenate([np.arange(lo, hi, dtype=np.int64), outside.astype(np.int64)])
    return n_id, torch.from_numpy(np.stack([src.astype(np.int64), dst]))


def node_ranges_of(num_nodes: int, chunk_rows: int, world_size: int) -> List[Tuple[int, int]]:
    """Contiguous node ranges, one per worker, cut at multiples of ``chunk_rows`` (balanced
    in whole multiples; a worker may get none when there are fewer multiples than workers)."""
    chunks = -(-num_nodes // chunk_rows)
    bounds = np.linspace(0, chunks, world_size + 1).round().astype(np.int64) * chunk_rows
    return [(int(min(a, num_nodes)), int(min(b, num_nodes))) for a, b in zip(bounds[:-1], bounds[1:])]


@torch.no_grad()
def infer_range(step: Step, client, read_rows: Callable[[np.ndarray, int], np.ndarray], lo: int, hi: int,
                batch_size: int, write: Callable[[int, int, np.ndarray], None],
                device: torch.device = torch.device("cpu")) -> int:
    """Run one layer for targets ``[lo, hi)`` in batches; returns the number of rows written.

    ``read_rows(ids, num_targets)`` gives the layer's input rows (the first
    ``num_targets`` ids are the targets, one contiguous range), ``write(a, b, rows)`` takes its
    output for targets ``[a, b)``; neighbourhoods come whole from ``client.sample``.
    """
    done = 0
    for a in range(lo, hi, batch_size):
        b = min(hi, a + batch_size)
        counts, nbr, _ = client.sample(np.arange(a, b, dtype=np.int64), -1, False, 0, 0)
        n_id, edge_index = local_block(a, b, np.asarray(counts), np.asarray(nbr, np.int64))
        x = torch.from_numpy(np.ascontiguousarray(read_rows(n_id, b - a), np.float32)).to(device)
        out = step(x, edge_index.to(device), (int(n_id.shape[0]), b - a))
        write(a, b, out.float().cpu().numpy())
        done += b - a
    return done


def read_zarr_rows(arr, n_id: np.ndarray, n_targets: int) -> np.ndarray:
    """Rows ``n_id`` of a 2-D Zarr array, whose first ``n_targets`` ids are one contiguous range."""
    lo = int(n_id[0]) if n_id.shape[0] else 0
    head = arr[lo:lo + n_targets]
    rest = n_id[n_targets:]
    if rest.shape[0] == 0:
        return head
    return np.concatenate([head, arr.oindex[rest, :]])


# ---------------------------------------------------------------------- output store
def _create_output(path: str, num_nodes: int, dims: Sequence[int], chunk_rows: int) -> None:
    import zarr

    from distgnn.ownership import mark_owned, remove_owned

    remove_owned(path, INFER_KIND, what="inference output")  # refuses what distgnn did not write
    mark_owned(path, INFER_KIND)
    group = zarr.open_group(path, mode="a")
    for i, d in enumerate(dims):
        group.create_array(f"layer_{i}", shape=(num_nodes, int(d)), chunks=(chunk_rows, int(d)),
                           dtype="float32", compressors=None, fill_value=0.0)


def _finish_output(path: str, num_nodes: int, dims: Sequence[int], chunk_rows: int, **info) -> None:
    import zarr

    group = zarr.open_group(path, mode="a")
    group.attrs[ATTR_KEY] = {"num_layers": len(dims), "dims": [int(d) for d in dims],
                             "num_nodes": int(num_nodes), "chunk_rows": int(chunk_rows),
                             "embedding_layer": max(len(dims) - 2, 0), **info}


def open_inference(path: str):
    """``(group, meta)`` of a complete inference output; a missing or partial one is refused."""
    import zarr

    if not os.path.isdir(path):
        raise FileNotFoundError(f"expected an inference output (run `distgnn infer RUN_DIR`), "
                                f"got no directory {path!r}")
    group = zarr.open_group(path, mode="r")
    meta = dict(group.attrs).get(ATTR_KEY)
    if not isinstance(meta, dict):
        raise ValueError(f"{path!r} holds no complete inference output (attribute {ATTR_KEY!r} "
                         "missing: it was interrupted); rerun `distgnn infer RUN_DIR`")
    return group, meta


# ---------------------------------------------------------------------- workers
class InferenceWorker:
    """Runs layers of inference for one node range; in-process or as a Ray actor.

    ``source`` is what loaders take (a store path, a ``Data`` or a
    :class:`~distgnn.sampler.ShardClient`); ``cache_mb`` > 0 serves the first
    layer's features through a degree-ranked feature cache of that size.
    """

    def __init__(self, model: torch.nn.Module, source, out_path: str, batch_size: int,
                 cache_mb: float = 0.0, store_path: Optional[str] = None, device: str = "cpu") -> None:
        from distgnn.sampler import as_client

        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.steps = layer_steps(self.model)
        self.client = as_client(source)
        self.out_path, self.batch_size = out_path, int(batch_size)
        self.cache = None
        if cache_mb > 0 and store_path is not None:
            from distgnn.partition import open_store
            from distgnn.sampler.feature_cache import optional_cache
            self.cache = optional_cache(self.client, open_store(store_path), cache_mb)

    def _reader(self, i: int) -> Callable[[np.ndarray, int], np.ndarray]:
        if i == 0:
            fetch = self.cache.fetch if self.cache is not None else \
                (lambda ids: self.client.fetch("x", ids))
            return lambda ids, n: fetch(ids)
        import zarr
        prev = zarr.open_array(os.path.join(self.out_path, f"layer_{i - 1}"), mode="r")
        return lambda ids, n: read_zarr_rows(prev, ids, n)

    def run_layer(self, i: int, lo: int, hi: int) -> int:
        """Layer ``i`` for targets ``[lo, hi)`` into ``layer_<i>``; returns the rows written."""
        import zarr
        out = zarr.open_array(os.path.join(self.out_path, f"layer_{i}"), mode="r+")

        def write(a: int, b: int, rows: np.ndarray) -> None:
            out[a:b] = rows

        return infer_range(self.steps[i], self.client, self._reader(i), lo, hi, self.batch_size,
                           write, self.device)

    def ping(self) -> bool:
        return True


def _workers(model, source, out_path: str, batch_size: int, num_workers: int, cache_mb: float,
             store_path: Optional[str], device: str, ray_workers: bool, timeout_s: float):
    from distgnn.remote import Remote

    args = (model, source, out_path, batch_size, cache_mb, store_path, device)
    if not ray_workers:
        return [Remote(InferenceWorker(*args), f"inference worker {r}", timeout_s)
                for r in range(num_workers)]
    import ray
    cls = ray.remote(InferenceWorker)
    gpu = 1 if device.startswith("cuda") else 0
    model_ref = ray.put(model)
    return [Remote(cls.options(num_cpus=1, num_gpus=gpu).remote(model_ref, *args[1:]),
                   f"inference worker {r}", timeout_s) for r in range(num_workers)]


def run_inference(model: torch.nn.Module, source, out_path: str, num_nodes: int, *,
                  batch_size: int = 4096, num_workers: int = 1, ray_workers: bool = False,
                  cache_mb: float = 0.0, store_path: Optional[str] = None, device: str = "cpu",
                  timeout_s: float = 3600.0, **info) -> dict:
    """Layer-wise inference of ``model`` over every node of ``source`` into ``out_path``.

    ``num_workers`` workers each own one range of :func:`node_ranges_of`; with
    ``ray_workers`` they are Ray actors (Ray must be initialised), else they run
    one after the other in this process (the same result). ``batch_size`` target
    nodes per step; the output's chunks are at most 256 rows high (a divisor of
    ``batch_size``), so reading a block's scattered neighbours reads little more
    than their rows, and the workers' ranges (multiples of ``batch_size``) never
    share a chunk. Returns the metadata written (with ``rows_per_worker``).
    """
    from distgnn.remote import wait

    if num_workers < 1 or batch_size < 1:
        raise ValueError(f"expected num_workers >= 1 and batch_size >= 1, got {num_workers} and "
                         f"{batch_size}")
    layer_steps(model)  # refuses a model it cannot run before anything is written
    dims = layer_dims(model)
    out_path = os.path.abspath(out_path)
    chunk_rows = math.gcd(batch_size, 256)
    _create_output(out_path, num_nodes, dims, chunk_rows)
    ranges = node_ranges_of(num_nodes, batch_size, num_workers)
    workers = _workers(model, source, out_path, batch_size, num_workers, cache_mb, store_path,
                       device, ray_workers, timeout_s)
    rows = [0] * num_workers
    for i in range(len(dims)):  # wait() on all workers is the barrier between layers
        done = wait([w.call("run_layer", i, lo, hi) for w, (lo, hi) in zip(workers, ranges)])
        rows = [r + d for r, d in zip(rows, done)]
    if ray_workers:
        import ray
        for w in workers:
            ray.kill(w.target)
    _finish_output(out_path, num_nodes, dims, chunk_rows, **info)
    return {**open_inference(out_path)[1], "rows_per_worker": [r // len(dims) for r in rows]}


# ---------------------------------------------------------------------- a finished run
def load_run(run_dir: str):
    """``(cfg, store_path)`` of the run in ``run_dir`` (its saved ``config.yaml``)."""
    from distgnn.config import load_config
    from distgnn.jobs.data_stage import store_path

    path = os.path.join(run_dir, "config.yaml")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"expected a run directory of `distgnn train` (with config.yaml), "
                                f"got {run_dir!r}")
    cfg = load_config(path, [f"run.dir={os.path.abspath(run_dir)}"])
    return cfg, store_path(cfg)


def trained_model(cfg, store, run_dir: str) -> torch.nn.Module:
    """The job's model with the weights of the run's newest checkpoint."""
    from distgnn.config import get_job
    from distgnn.distributed.checkpoint import load_checkpoint

    spec = get_job(cfg.job)
    if not spec.build_model:
        raise ValueError(f"a {cfg.job} run has no layer-wise inference (export its embeddings "
                         "with `distgnn export`)")
    model = spec.model_builder()(cfg.model, store.num_features, store.num_classes)
    model.load_state_dict(load_checkpoint(os.path.abspath(run_dir))["model"])
    return model.eval()


def infer_run(run_dir: str, *, num_workers: int = 1, batch_size: int = 4096, device: str = "cpu",
              cache_mb: Optional[float] = None, out: Optional[str] = None) -> dict:
    """Layer-wise inference of a finished run into ``out`` (default ``<run_dir>/inference.zarr``).

    With several workers they run as Ray actors (Ray joined or started as the run
    configures) over shard-server actors of the run's store.
    """
    from distgnn.partition import open_store

    cfg, path = load_run(run_dir)
    store = open_store(path)
    model = trained_model(cfg, store, run_dir)
    out = os.path.abspath(out or os.path.join(run_dir, "inference.zarr"))
    if cache_mb is None:
        cache_mb = float(getattr(cfg.sampler, "cache_mb", 0.0))
    common = dict(batch_size=batch_size, num_workers=num_workers, cache_mb=cache_mb,
                  store_path=path, device=device, job=cfg.job, store=path)
    if num_workers == 1:
        return run_inference(model, path, out, store.num_nodes, **common)
    from distgnn.jobs.ray_session import ray_session
    from distgnn.sampler import launch_shard_servers, shutdown_shard_servers

    with ray_session(cfg, log=lambda *_: None):
        servers = min(max(cfg.sampler.num_actors, num_workers), store.num_parts)
        client = launch_shard_servers(path, servers, timeout=cfg.sync.remote_timeout_s)
        try:
            return run_inference(model, client, out, store.num_nodes, ray_workers=True, **common)
        finally:
            shutdown_shard_servers(client)
