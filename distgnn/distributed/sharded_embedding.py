"""Embedding tables sharded by row range over parameter-server actors.

Each step a replica pulls the rows its batch touches, computes its loss on
them and pushes the gradients of those rows back; the shards apply
SparseAdam, Adagrad or SGD to just those rows. A replica's memory follows its
batch, not the table.

    emb = ShardedEmbedding(num_nodes, 128, num_shards=4, optimizer="sparse_adam", lr=0.01)
    h = emb.pull(batch_ids)           # [*, 128], differentiable
    loss_fn(h).backward()
    emb.push()                        # one optimizer step on the touched rows

With several replicas (inside :meth:`Trainer.fit`) and ``sync.sparse_sync``,
``push`` averages the replicas' gradients first, so every step is the one a
single process would take on the union of the batches.
"""
import os
from typing import Any, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from distgnn.remote import Remote, spread_strategy, wait
from distgnn.traffic import check_wire_dtype

from .context import current_context
from .embedding_files import read_meta, read_shard, write_meta, write_shard
from .embedding_shard import EmbeddingShard, EmbeddingShardActor, check_table_dtype, open_table
from .run_id import actor_prefix
from .sparse_optim import OptimizerSpec, coalesce_rows

__all__ = ["ShardedEmbedding", "even_ranges", "pull_rows", "push_rows", "SHARD_NAMESPACE"]

SHARD_NAMESPACE = "distgnn"  # Ray namespace of the named shard actors of Trainer runs
#: restarts of a dead shard process by Ray (it comes back without its rows: see
#: EmbeddingShardActor; the run restores it from the last checkpoint)
SHARD_RESTARTS = 3


def even_ranges(num_embeddings: int, num_shards: int) -> List[int]:
    """Boundaries ``[0, ..., num_embeddings]`` of ``num_shards`` near-equal row ranges."""
    return [num_embeddings * k // num_shards for k in range(num_shards + 1)]


def _check_ranges(ranges: Sequence[int], num_embeddings: int) -> List[int]:
    ranges = [int(r) for r in ranges]
    if len(ranges) < 2 or ranges[0] != 0 or ranges[-1] != num_embeddings or \
            any(b <= a for a, b in zip(ranges, ranges[1:])):
        raise ValueError(f"ranges must increase strictly from 0 to num_embeddings="
                         f"{num_embeddings}, got {ranges[:8]}{'...' if len(ranges) > 8 else ''}")
    return ranges


class ShardedEmbedding:
    """An ``num_embeddings x embedding_dim`` table split over ``num_shards`` shards.

    Args:
        num_embeddings: rows of the table (e.g. nodes of the graph).
        embedding_dim: columns.
        num_shards: parameter-server shards (ignored when ``ranges`` is given).
        optimizer: ``'sparse_adam'``, ``'adagrad'`` or ``'sgd'``, run by the shards.
        lr: learning rate; ``betas``, ``eps``, ``lr_decay`` as in torch.optim.
        ranges: shard boundaries, e.g. a partition store's ``node_ranges``.
        init: ``'normal'`` (``N(0, std^2)``, like ``nn.Embedding``) or ``'zeros'``.
        seed: the initial table depends only on ``seed``, not on the sharding.
        backend: ``'ray'`` (one actor per shard), ``'local'`` (in this process)
            or ``'auto'`` (ray when Ray is initialised).
        name: names the shard actors ``distgnn/<run>-<run id>/<name>/<k>``, shared
            by all replicas of a run (and by no other run).
        timeout_s: limit of every remote call (default: the run's
            ``sync.remote_timeout_s``, else 120 s).
        memmap_dir: keep each shard's rows in a memory-mapped file in this
            directory (on the shard's machine) instead of in memory, for tables
            larger than RAM (default: in memory).
        dtype: how the rows are stored: ``'float32'`` (default; 4 bytes per
            value) or ``'float16'`` (2 bytes, optimizer ``'sgd'`` only); rows are
            pulled, pushed and trained in float32 either way.
        wire_dtype: how rows pulled from shard actors travel: ``'float32'`` or
            ``'float16'`` (half the bytes, each value rounded to 11 significant
            bits; they arrive as float32, gradients go back as float32); default:
            the run's ``sync.wire_dtype``, else float32. In-process shards send float32.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, num_shards: int = 1,
                 optimizer: str = "sparse_adam", lr: float = 0.01, *,
                 ranges: Optional[Sequence[int]] = None, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, lr_decay: float = 0.0, init: str = "normal", std: float = 1.0,
                 seed: int = 0, backend: str = "auto", name: str = "embedding",
                 timeout_s: Optional[float] = None, memmap_dir: Optional[str] = None,
                 dtype: str = "float32", wire_dtype: Optional[str] = None) -> None:
        if not (isinstance(num_embeddings, int) and num_embeddings >= 1):
            raise ValueError(f"num_embeddings must be an int >= 1, got {num_embeddings!r}")
        if not (isinstance(embedding_dim, int) and embedding_dim >= 1):
            raise ValueError(f"embedding_dim must be an int >= 1, got {embedding_dim!r}")
        if ranges is None:
            if not (isinstance(num_shards, int) and 1 <= num_shards <= num_embeddings):
                raise ValueError(f"num_shards must be an int in [1, num_embeddings="
                                 f"{num_embeddings}], got {num_shards!r}")
            ranges = even_ranges(num_embeddings, num_shards)
        if backend not in ("auto", "ray", "local"):
            raise ValueError(f"backend must be 'auto', 'ray' or 'local', got {backend!r}")
        if init not in ("normal", "zeros"):
            raise ValueError(f"init must be 'normal' or 'zeros', got {init!r}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.ranges = _check_ranges(ranges, num_embeddings)
        self.bounds = torch.tensor(self.ranges, dtype=torch.long)
        self.spec = OptimizerSpec(optimizer, float(lr), tuple(betas), float(eps), float(lr_decay))
        self.name = name
        self.memmap_dir = memmap_dir
        self.dtype = check_table_dtype(dtype)
        ctx = current_context()
        self.timeout_s = float(timeout_s or (ctx.sync.remote_timeout_s if ctx else 120.0))
        self.backend = self._resolve_backend(backend)
        wire = check_wire_dtype(wire_dtype or (ctx.sync.wire_dtype if ctx else "float32"))
        self.half_wire = wire == "float16" and self.backend == "ray"
        self.step = 0
        self._pending: List[Tuple[Tensor, Tensor]] = []
        self._handles = [self._make(k, init, std, seed) for k in range(self.num_shards)]
        if self._shared and ctx.rank == 0:
            self._start_afresh()

    # -- construction -------------------------------------------------------------
    @property
    def num_shards(self) -> int:
        return len(self.ranges) - 1

    @staticmethod
    def _resolve_backend(backend: str) -> str:
        if backend != "auto":
            return backend
        try:
            import ray
            return "ray" if ray.is_initialized() else "local"
        except ImportError:
            return "local"

    def shard_name(self, k: int) -> str:
        ctx = current_context()
        prefix = actor_prefix(ctx.run.name, ctx.run_id) if ctx is not None else "distgnn/local/"
        return f"{prefix}{self.name}/{k}"

    def _make(self, k: int, init: str, std: float, seed: int):
        args = (self.ranges[k], self.ranges[k + 1], self.embedding_dim, self.spec, init, std, seed,
                self.memmap_dir, self.dtype)
        name = f"embedding shard {self.shard_name(k)} (rows [{self.ranges[k]}, {self.ranges[k + 1]}))"
        if self.backend == "local":
            return Remote(EmbeddingShard(*args), name, self.timeout_s)
        import ray
        opts = dict(num_cpus=0, scheduling_strategy=spread_strategy(k), max_concurrency=1,
                    max_restarts=SHARD_RESTARTS)
        if self._shared:
            # shared by all replicas and kept across worker restarts; Trainer.fit removes it
            opts.update(name=self.shard_name(k), namespace=SHARD_NAMESPACE, lifetime="detached",
                        get_if_exists=True)
        actor = ray.remote(EmbeddingShardActor).options(**opts).remote(*args)
        return Remote(actor, name, self.timeout_s)

    @property
    def _shared(self) -> bool:
        """Named actors shared by the replicas of a Ray Train run (and kept across restarts)."""
        ctx = current_context()
        return self.backend == "ray" and ctx is not None and ctx.scaling.resolved_mode == "ray"

    def _start_afresh(self) -> None:
        """Shared shards that outlived a failed attempt (or came back empty) go back to their
        initial rows; a checkpoint, if any, is restored over them next (before the barrier
        of ``load_checkpoint``, so no replica pulls in between)."""
        wait([h.call("reset_if_used") for h in self._handles])

    # -- calls --------------------------------------------------------------------
    def _segments(self, sorted_ids: Tensor):
        cuts = torch.searchsorted(sorted_ids, self.bounds).tolist()
        return [(k, cuts[k], cuts[k + 1]) for k in range(self.num_shards) if cuts[k + 1] > cuts[k]]

    def _check_ids(self, ids: Tensor) -> Tensor:
        ids = torch.as_tensor(ids)
        if ids.dtype not in (torch.int64, torch.int32):
            raise TypeError(f"ids must be an integer tensor, got dtype {ids.dtype}")
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.num_embeddings):
            raise IndexError(f"ids must lie in [0, {self.num_embeddings}), got range "
                             f"[{int(ids.min())}, {int(ids.max())}]")
        return ids.long()

    def gather(self, ids: Tensor) -> Tensor:
        """Rows of ``ids`` (no gradient), shaped ``[*ids.shape, embedding_dim]``."""
        ids = self._check_ids(ids)
        uniq, inv = torch.unique(ids.reshape(-1), return_inverse=True)
        return self._pull_sorted(uniq)[inv].view(*ids.shape, self.embedding_dim)

    def _pull_sorted(self, uniq: Tensor) -> Tensor:
        segs = self._segments(uniq)
        parts = wait([self._handles[k].call("pull", uniq[a:b], self.half_wire) for k, a, b in segs])
        if not parts:
            return torch.empty(0, self.embedding_dim)
        return (torch.cat(parts) if len(parts) > 1 else parts[0]).float()

    def pull_unique(self, ids: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """``(uniq, inv, rows)``: the sorted distinct ids, ``ids == uniq[inv]``, and their rows.

        For loops that compute row gradients themselves and hand them to
        :meth:`push_gradients` (no autograd).
        """
        ids = self._check_ids(ids)
        uniq, inv = torch.unique(ids.reshape(-1), return_inverse=True)
        return uniq, inv.view(ids.shape), self._pull_sorted(uniq)

    def pull(self, ids: Tensor) -> Tensor:
        """Rows of ``ids`` as a differentiable tensor; :meth:`push` sends their gradients."""
        ids = self._check_ids(ids)
        uniq, inv = torch.unique(ids.reshape(-1), return_inverse=True)
        rows = self._pull_sorted(uniq).requires_grad_(True)
        self._pending.append((uniq, rows))
        return rows[inv].view(*ids.shape, self.embedding_dim)

    def weight(self) -> Tensor:
        """The whole table in this process (for evaluation of tables that fit)."""
        return self.gather(torch.arange(self.num_embeddings))

    def discard(self) -> None:
        """Forget the rows pulled since the last push (no update)."""
        self._pending.clear()

    def push(self) -> None:
        """One optimizer step on every row pulled since the last push."""
        pending, self._pending = self._pending, []
        if pending:
            ids = torch.cat([u for u, _ in pending])
            grad = torch.cat([r.grad if r.grad is not None else torch.zeros_like(r)
                              for _, r in pending])
        else:
            ids, grad = torch.empty(0, dtype=torch.long), torch.empty(0, self.embedding_dim)
        self.push_gradients(ids, grad)

    def push_gradients(self, ids: Tensor, grad: Tensor) -> None:
        """One optimizer step with gradient rows ``grad`` for ``ids`` (repeats are summed)."""
        ctx = current_context()
        synced = ctx is not None and ctx.is_distributed and ctx.sync.sparse_sync
        if synced:
            ids, grad = _allgather_rows(ids, grad.detach())
            grad = grad / ctx.world_size
        ids, grad = self._check_ids(ids), grad.detach().float()
        if synced or not bool((ids[1:] > ids[:-1]).all()):
            ids, grad = coalesce_rows(ids, grad)
        self.step += 1
        mine = [(k, a, b) for k, a, b in self._segments(ids)
                if not synced or k % ctx.world_size == ctx.rank]
        wait([self._handles[k].call("push", ids[a:b], grad[a:b], self.step) for k, a, b in mine])
        if synced:
            ctx.barrier()  # the next pull sees every replica's update

    def set_weight(self, weight: Tensor) -> None:
        """Overwrite the table with ``weight`` (``[num_embeddings, embedding_dim]``)."""
        if tuple(weight.shape) != (self.num_embeddings, self.embedding_dim):
            raise ValueError(f"weight must have shape {(self.num_embeddings, self.embedding_dim)}, "
                             f"got {tuple(weight.shape)}")
        wait([self._handles[k].call("set_rows", torch.arange(self.ranges[k], self.ranges[k + 1]),
                                    weight[self.ranges[k]:self.ranges[k + 1]].detach().float())
              for k in range(self.num_shards)])

    # -- checkpoints --------------------------------------------------------------
    def save(self, directory: str) -> None:
        """Write each shard (rows + optimizer state) to ``directory``, one at a time."""
        os.makedirs(directory, exist_ok=True)
        for k in range(self.num_shards):
            write_shard(directory, k, self._handles[k]("state_dict"))
        write_meta(directory, self._meta())

    def _meta(self) -> dict:
        return {"num_embeddings": self.num_embeddings, "embedding_dim": self.embedding_dim,
                "ranges": self.ranges, "optimizer": self.spec.name, "dtype": self.dtype,
                "step": self.step}

    def load(self, directory: str, restore: bool = True) -> None:
        """Restore the shards saved by :meth:`save` (``restore=False``: only the step count)."""
        meta = read_meta(directory)
        mine = {k: v for k, v in self._meta().items() if k != "step"}
        theirs = {k: meta.get(k, "float32" if k == "dtype" else None) for k in mine}
        if theirs != mine:
            diff = {k: (theirs[k], mine[k]) for k in mine if theirs[k] != mine[k]}
            raise ValueError(f"saved embedding does not match this one (saved, expected): "
                             f"{ {k: (str(a)[:60], str(b)[:60]) for k, (a, b) in diff.items()} }")
        if restore:
            for k in range(self.num_shards):
                self._handles[k]("load_state_dict", read_shard(directory, k))
        self.step = int(meta["step"])
        self._pending.clear()

    def close(self) -> None:
        """Stop the shard actors (their rows are lost unless saved)."""
        if self.backend == "ray":
            import ray
            for h in self._handles:
                ray.kill(h.target, no_restart=True)
        self._handles = []

    def table_in_place(self) -> Optional[Any]:
        """The whole table as a writable NumPy array mapped from the file its shards map their
        rows from (``memmap_dir``), when this process shares that file with every shard: same
        machine (Ray node), same file (device and inode), SGD on the shards. Writes to it are
        the shards' rows (a trainer updates them in place, lock-free, as word2vec's threads do);
        None otherwise (rows then go through ``pull``/``push``)."""
        infos = wait([h.call("mapped_table") for h in self._handles])
        if not infos or any(i is None or i["optimizer"] != "sgd" or i["dtype"] != self.dtype
                            for i in infos):
            return None
        here = None
        if self.backend == "ray":
            import ray
            here = ray.get_runtime_context().get_node_id()
        path = infos[0]["path"]
        try:
            st = os.stat(path)
        except OSError:
            return None
        same = all((i["path"], i["dev"], i["ino"], i["node"]) == (path, st.st_dev, st.st_ino, here)
                   for i in infos)
        if not same:
            return None
        return open_table(path, self.num_embeddings, self.embedding_dim, self.dtype)

    def actors(self) -> List[Any]:
        """The Ray actor handles of the shards (empty for the local backend)."""
        return [h.target for h in self._handles if h.is_actor]


def _sorted_distinct(tables: Sequence["ShardedEmbedding"], ids: Tensor) -> Tensor:
    ids = tables[0]._check_ids(ids)
    if ids.dim() != 1 or not bool((ids[1:] > ids[:-1]).all()):
        raise ValueError("ids must be a 1-D tensor of strictly increasing row ids")
    return ids


def pull_rows(tables: Sequence["ShardedEmbedding"], ids: Tensor) -> List[Tensor]:
    """Rows ``ids`` (sorted, distinct) of each table of the same size, every shard's call
    of every table in flight at once (one round trip instead of one per table)."""
    ids = _sorted_distinct(tables, ids)
    calls = [[t._handles[k].call("pull", ids[a:b], t.half_wire) for k, a, b in t._segments(ids)]
             for t in tables]
    out = []
    for t, pending in zip(tables, calls):
        parts = wait(pending)
        out.append((torch.cat(parts) if len(parts) > 1 else parts[0]).float() if parts else
                   torch.empty(0, t.embedding_dim))
    return out


def push_rows(tables: Sequence["ShardedEmbedding"], ids: Tensor, grads: Sequence[Tensor]) -> None:
    """:meth:`ShardedEmbedding.push_gradients` of ``grads[i]`` to ``tables[i]`` for rows
    ``ids`` (sorted, distinct), all shards' calls in flight at once where no replica
    exchange comes first (``sync.sparse_sync`` off, or one process)."""
    ctx = current_context()
    if ctx is not None and ctx.is_distributed and ctx.sync.sparse_sync:
        for t, g in zip(tables, grads):
            t.push_gradients(ids, g)
        return
    ids = _sorted_distinct(tables, ids)
    pending = []
    for t, g in zip(tables, grads):
        g = g.detach().float()
        t.step += 1
        pending += [t._handles[k].call("push", ids[a:b], g[a:b], t.step)
                    for k, a, b in t._segments(ids)]
    wait(pending)


def _allgather_rows(ids: Tensor, grad: Tensor) -> Tuple[Tensor, Tensor]:
    """Concatenate every replica's ``(ids, grad)`` (sizes may differ)."""
    import torch.distributed as dist
    world = dist.get_world_size()
    n = torch.tensor([ids.numel()], dtype=torch.long)
    sizes = [torch.zeros_like(n) for _ in range(world)]
    dist.all_gather(sizes, n)
    sizes = [int(s) for s in sizes]
    m = max(sizes)
    dim = grad.size(1) if grad.dim() == 2 else 0
    packed = torch.zeros(m, dim + 1, dtype=torch.float64)
    packed[:ids.numel(), 0] = ids.double()
    packed[:ids.numel(), 1:] = grad.double()
    bufs = [torch.empty_like(packed) for _ in range(world)]
    dist.all_gather(bufs, packed)
    rows = torch.cat([b[:s] for b, s in zip(bufs, sizes)])
    return rows[:, 0].long(), rows[:, 1:].float()
