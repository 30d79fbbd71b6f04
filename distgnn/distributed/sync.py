"""Keeping dense parameters identical across replicas (gradient all-reduce)."""
from typing import Iterable, Optional

import torch
from torch import nn

from .context import current_context

__all__ = ["prepare_model", "unwrap", "allreduce_gradients", "broadcast_parameters", "replica_divergence"]


def prepare_model(model: nn.Module, device: Optional[torch.device] = None) -> nn.Module:
    """Move ``model`` to the replica's device and, with several replicas, wrap it in DDP.

    ``DistributedDataParallel`` all-reduces (averages) the gradients during
    ``backward`` in buckets of ``sync.bucket_cap_mb``, over NCCL on GPUs and
    Gloo on CPUs, and starts every replica from rank 0's parameters. With one
    replica the model is returned unwrapped.
    """
    ctx = current_context()
    device = device or (ctx.device if ctx is not None else torch.device("cpu"))
    model = model.to(device)
    if ctx is None or not ctx.is_distributed:
        return model
    if not any(p.requires_grad for p in model.parameters()):
        broadcast_parameters(model.parameters())
        return model
    from torch.nn.parallel import DistributedDataParallel
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids, bucket_cap_mb=ctx.sync.bucket_cap_mb,
                                   find_unused_parameters=ctx.sync.find_unused_parameters)


def unwrap(model: nn.Module) -> nn.Module:
    """The user's model inside a :func:`prepare_model` wrapper (or ``model`` itself)."""
    from torch.nn.parallel import DistributedDataParallel
    return model.module if isinstance(model, DistributedDataParallel) else model


def _flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors]) if tensors else torch.empty(0)


def allreduce_gradients(params: Iterable[nn.Parameter]) -> None:
    """Average the dense gradients of ``params`` over all replicas (one flat all-reduce).

    For loops that do not wrap the model with :func:`prepare_model`; call it
    between ``backward()`` and ``optimizer.step()``. No-op with one replica.
    """
    ctx = current_context()
    if ctx is None or not ctx.is_distributed:
        return
    grads = [p.grad for p in params if p.grad is not None and not p.grad.is_sparse]
    if not grads:
        return
    flat = _flat(grads)
    torch.distributed.all_reduce(flat)
    flat.div_(ctx.world_size)
    offset = 0
    for g in grads:
        n = g.numel()
        g.copy_(flat[offset:offset + n].view_as(g))
        offset += n


def broadcast_parameters(params: Iterable[torch.Tensor], src: int = 0) -> None:
    """Copy rank ``src``'s values of ``params`` to every replica."""
    ctx = current_context()
    if ctx is None or not ctx.is_distributed:
        return
    with torch.no_grad():
        for p in params:
            torch.distributed.broadcast(p.data, src)


def replica_divergence(model: nn.Module) -> float:
    """Largest absolute difference between any replica's parameters and rank 0's (0 with one)."""
    ctx = current_context()
    if ctx is None or not ctx.is_distributed:
        return 0.0
    with torch.no_grad():
        mine = _flat([p.detach().float() for p in model.parameters()])
        ref = mine.clone()
        torch.distributed.broadcast(ref, 0)
        diff = (mine - ref).abs().max() if mine.numel() else torch.zeros(())
        diff = diff.reshape(1)
        torch.distributed.all_reduce(diff, op=torch.distributed.ReduceOp.MAX)
    return float(diff)
